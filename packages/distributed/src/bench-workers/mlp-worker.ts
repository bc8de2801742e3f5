/**
 * The `zookeeper.scaling.2` measurement: MLP training with ZooKeeper (β = 1, H = 1), timed on
 * 2 ranks and on 1 in alternating blocks inside one pair of long-lived worker threads, so both
 * sides meet the same machine load (this host is shared: a block of a few hundred milliseconds
 * sees much steadier load than separate runs seconds apart).
 *
 * argv: rounds blockSteps batch hidden warmup. Each round runs three blocks of `blockSteps`
 * steps, each on its own model and optimizer state:
 * - `two`: both ranks train with the real collective (the measured configuration);
 * - `one`: rank 0 trains alone on the whole data set, through a 1-rank collective (the same
 *   per-step code), while rank 1 sleeps at the next barrier;
 * - `apart`: both ranks train, each through a 1-rank collective (no communication): the ceiling
 *   any synchronous scheme could reach on the machine at that moment.
 * Every configuration first runs `warmup` untimed steps: V8 keeps compiling the tensor library's
 * hot paths for the first few hundred steps on its background threads (docs/distributed.md).
 * Rank 0 prints `RESULT {...}` with each block's samples/s and the two-rank blocks' time in the
 * collective, waiting for the peer included.
 */
import { connect } from '../connect.ts';
import { type Collective, grad, materialize, singleRankCollective } from '../core.ts';
import { shardIndices } from '../shard.ts';
import { batchOf, blobs, initMlp, mlpLoss } from '../workload/mlp.ts';
import { zookeeperRank } from '../zookeeper-rank.ts';
import { gatherAll } from './gather.ts';

const [rounds, blockSteps, batch, hidden, warmup] = process.argv.slice(2, 7).map(Number) as [
  number,
  number,
  number,
  number,
  number,
];
const c = connect();
const data = blobs(4096, 32, 10, 1);
const timed = timedCollective(c);

/** A training run on `rows` of the data set through `collective`, advanced `steps` at a time. */
function trainer(collective: Collective, rows: Int32Array): (steps: number) => void {
  const zk = zookeeperRank({ name: 'zookeeper', lr: 0.05 }, collective);
  let { params, state } = zk.start(initMlp(data.features, hidden, data.classes, 2));
  let t = 0;
  return (steps) => {
    for (let i = 0; i < steps; i++, t++) {
      const at = (t * batch) % (rows.length - batch + 1);
      const { x, y } = batchOf(data, rows.subarray(at, at + batch));
      const loss = mlpLoss(params, x, y, data.classes);
      const r = zk.step(params, grad(loss, params), state);
      params = materialize(r.params);
      state = r.state;
    }
  };
}

const own = shardIndices(data.n, c.rank, c.size, { seed: 3 });
const two = trainer(timed.collective, own);
const apart = trainer(singleRankCollective(), own);
const one =
  c.rank === 0 ? trainer(singleRankCollective(), shardIndices(data.n, 0, 1, { seed: 3 })) : undefined;

two(warmup);
apart(warmup);
one?.(warmup);

/** Seconds this rank spent in `run` (0 when it sat the block out), after a barrier. */
function block(run: ((steps: number) => void) | undefined): number {
  c.barrier();
  if (!run) return 0;
  const t0 = performance.now();
  run(blockSteps);
  return (performance.now() - t0) / 1000;
}

const seconds = { two: [] as number[], one: [] as number[], apart: [] as number[] };
const syncSeconds: number[] = [];
for (let r = 0; r < rounds; r++) {
  timed.reset();
  seconds.two.push(block(two));
  syncSeconds.push(timed.seconds());
  seconds.one.push(block(one));
  seconds.apart.push(block(apart));
}

// Series 0–3 of every rank: two, one, apart, twoSync, each `rounds` long.
const ranks = gatherAll(c, [...seconds.two, ...seconds.one, ...seconds.apart, ...syncSeconds]);
const at = (rank: number, series: number, r: number) => ranks[rank]![series * rounds + r]!;
const slowest = (series: number, r: number) => Math.max(...ranks.map((_, rank) => at(rank, series, r)));
const samples = blockSteps * batch;
if (c.rank === 0) {
  const perRound = (f: (r: number) => number) => Array.from({ length: rounds }, (_, r) => f(r));
  console.log(
    `RESULT ${JSON.stringify({
      ranks: c.size,
      blockSteps,
      batch,
      warmup,
      two: perRound((r) => (samples * c.size) / slowest(0, r)),
      one: perRound((r) => samples / at(0, 1, r)),
      apart: perRound((r) => (samples * c.size) / slowest(2, r)),
      twoSyncSeconds: perRound((r) => ranks.reduce((sum, _, rank) => sum + at(rank, 3, r), 0) / c.size),
    })}`,
  );
}

/** The collective with the wall time spent in its calls added up. */
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
