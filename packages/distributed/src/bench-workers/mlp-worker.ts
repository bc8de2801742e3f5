/**
 * ZooKeeper (β = 1, H = 1) training the MLP on this rank's shard, for the scaling benchmark.
 * argv: steps batch hidden. Rank 0 prints `RESULT {"samplesPerSecond", ...}`: samples of all
 * ranks over the slowest rank's training time (after warm-up steps).
 */
import { connect } from '../connect.ts';
import { grad, materialize } from '../core.ts';
import { shardIndices } from '../shard.ts';
import { batchOf, blobs, initMlp, mlpLoss } from '../workload/mlp.ts';
import { zookeeperRank } from '../zookeeper-rank.ts';

const [steps, batch, hidden] = process.argv.slice(2).map(Number) as [number, number, number];
const WARMUP = 3;
const c = connect();
const data = blobs(4096, 32, 10, 1);
const zk = zookeeperRank({ name: 'zookeeper', lr: 0.05 }, c);
let { params, state } = zk.start(initMlp(data.features, hidden, data.classes, 2));
const shard = shardIndices(data.n, c.rank, c.size, { seed: 3 });
let start = 0;
for (let t = 0; t < WARMUP + steps; t++) {
  if (t === WARMUP) {
    c.barrier();
    start = performance.now();
  }
  const at = (t * batch) % (shard.length - batch + 1);
  const { x, y } = batchOf(data, shard.subarray(at, at + batch));
  const loss = mlpLoss(params, x, y, data.classes);
  const r = zk.step(params, grad(loss, params), state);
  params = materialize(r.params);
  state = r.state;
}
const seconds = (performance.now() - start) / 1000;
const slowest = c.allreduceMean(
  Float64Array.from({ length: c.size }, (_, r) => (r === c.rank ? seconds * c.size : 0)),
);
const maxSeconds = Math.max(...slowest);
if (c.rank === 0) {
  console.log(
    `RESULT ${JSON.stringify({ ranks: c.size, steps, batch, seconds: maxSeconds, samplesPerSecond: (steps * batch * c.size) / maxSeconds })}`,
  );
}
