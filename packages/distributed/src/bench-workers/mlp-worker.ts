/**
 * ZooKeeper (β = 1, H = 1) training the MLP on this rank's shard, for the scaling benchmark.
 * argv: steps batch hidden [warmup] [mode]. Rank 0 prints `RESULT {"samplesPerSecond", ...}`:
 * samples of all ranks over the slowest rank's training time, after `warmup` untimed steps.
 * mode `independent` trains each rank alone (a 1-rank collective: the same per-step work, no
 * communication), the ceiling any synchronous scheme could reach on the machine at that moment.
 *
 * The warm-up is long (hundreds of steps) on purpose: V8 keeps compiling the tensor library's
 * hot paths for the first few hundred steps, on its background threads. A 1-worker run lends
 * them the idle second core, a 2-worker run cannot, so a short warm-up measures JIT start-up
 * more than training (see docs/distributed.md, "Benchmarks").
 *
 * `syncSeconds` is the time this rank spent inside the collective (waiting for its peer
 * included), summed over the timed steps; `computeSeconds` is the rest of the step.
 */
import { connect } from '../connect.ts';
import { type Collective, grad, materialize, singleRankCollective } from '../core.ts';
import { shardIndices } from '../shard.ts';
import { batchOf, blobs, initMlp, mlpLoss } from '../workload/mlp.ts';
import { zookeeperRank } from '../zookeeper-rank.ts';

const [steps, batch, hidden, warmup = 3] = process.argv.slice(2, 6).map(Number) as [
  number,
  number,
  number,
  number?,
];
const independent = process.argv[6] === 'independent';
const c = connect();
const timed = timedCollective(independent ? singleRankCollective() : c);
const data = blobs(4096, 32, 10, 1);
const zk = zookeeperRank({ name: 'zookeeper', lr: 0.05 }, timed.collective);
let { params, state } = zk.start(initMlp(data.features, hidden, data.classes, 2));
const shard = shardIndices(data.n, c.rank, c.size, { seed: 3 });
let start = 0;
for (let t = 0; t < warmup + steps; t++) {
  if (t === warmup) {
    c.barrier();
    timed.reset();
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
const sync = timed.seconds();
// Each rank's [seconds, syncSeconds] in its own pair of slots; the mean × size recovers them.
const own = new Float64Array(2 * c.size);
own.set([seconds * c.size, sync * c.size], 2 * c.rank);
const all = c.allreduceMean(own);
const ranks = Array.from({ length: c.size }, (_, r) => ({ seconds: all[2 * r]!, sync: all[2 * r + 1]! }));
const maxSeconds = Math.max(...ranks.map((r) => r.seconds));
const meanSync = ranks.reduce((s, r) => s + r.sync, 0) / c.size;
if (c.rank === 0) {
  console.log(
    `RESULT ${JSON.stringify({
      ranks: c.size,
      steps,
      batch,
      warmup,
      seconds: maxSeconds,
      samplesPerSecond: (steps * batch * c.size) / maxSeconds,
      syncSeconds: meanSync,
      computeSeconds: maxSeconds - meanSync,
    })}`,
  );
}

/** The collective with the wall time spent in its calls added up (the untimed warm-up excluded). */
function timedCollective(inner: Collective): {
  collective: Collective;
  reset(): void;
  seconds(): number;
} {
  let ms = 0;
  const time =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      const t0 = performance.now();
      try {
        return f(...a);
      } finally {
        ms += performance.now() - t0;
      }
    };
  // Keep the transport's optional in-place methods (allreduceMeanInPlace, stagingBuffer), which
  // fused-buffers.ts uses to reduce in shared memory; only the calls that communicate are timed.
  const wrapped = Object.create(inner) as Record<string, unknown>;
  for (const name of ['allreduceMean', 'allreduceMeanInPlace', 'broadcast', 'barrier']) {
    const f = (inner as unknown as Record<string, unknown>)[name];
    if (typeof f === 'function') wrapped[name] = time((f as (...a: unknown[]) => unknown).bind(inner));
  }
  return {
    collective: wrapped as unknown as Collective,
    reset: () => {
      ms = 0;
    },
    seconds: () => ms / 1000,
  };
}
