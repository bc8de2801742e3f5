import { beforeAll, describe, expect, it } from 'vitest';
import { materialize, optimizerFromConfig, simulateZooKeeper, Tensor } from './core.ts';
import type { WorkerOutput } from './testing/linear-problem.ts';
import { rankInit } from './testing/linear-problem.ts';
import { type ReplayConfig, type ReplayStep, replayLinear } from './testing/linear-replay.ts';
import { ensureMpiAddon, MPI_SHARED_MEMORY, MPI_TCP, runWorker, WORKERS } from './testing/run-worker.ts';

/**
 * Every ZOOKEEPER.md property on real worlds: worker threads (local) and mpirun over shared
 * memory and TCP, 1 to 4 ranks. Each world runs the least-squares fixture once; the checks read
 * its per-step logs (params before, gradient, params after, non-trainable stats) and compare
 * them with a hand-written float64 replay. Within a transport, equalities are bit-for-bit;
 * across transports (or against the replay), to a tolerance.
 */

const BASE = { n: 48, d: 3, batch: 4, steps: 10, seed: 1, statsMomentum: 0.9 };
/** float64 throughout: ten steps of a 4-parameter model agree with the replay far below this. */
const TOL = 1e-12;

interface World {
  readonly name: string;
  readonly transport: 'local' | 'mpi';
  readonly n: number;
  readonly zk: { lr: number; beta?: number; syncEvery?: number; momentum?: number };
  readonly mpirunArgs?: readonly string[];
}

const SYNC_SGD = { lr: 0.1 };
const SYNC_MOMENTUM = { lr: 0.05, momentum: 0.9 };
const ELASTIC = { lr: 0.1, beta: 0.5, syncEvery: 2 };
const LOCAL_SGD = { lr: 0.1, syncEvery: 3 };

const WORLDS: World[] = [
  { name: 'local K=1', transport: 'local', n: 1, zk: SYNC_SGD },
  { name: 'local K=2 β=1 H=1 momentum', transport: 'local', n: 2, zk: SYNC_MOMENTUM },
  { name: 'local K=3 β=½ H=2', transport: 'local', n: 3, zk: ELASTIC },
  { name: 'local K=4 β=1 H=3', transport: 'local', n: 4, zk: LOCAL_SGD },
  { name: 'mpi K=1', transport: 'mpi', n: 1, zk: SYNC_SGD },
  {
    name: 'mpi K=2 β=1 H=1 momentum, shared memory',
    transport: 'mpi',
    n: 2,
    zk: SYNC_MOMENTUM,
    mpirunArgs: MPI_SHARED_MEMORY,
  },
  { name: 'mpi K=2 β=1 H=1 momentum, tcp', transport: 'mpi', n: 2, zk: SYNC_MOMENTUM, mpirunArgs: MPI_TCP },
  { name: 'mpi K=3 β=½ H=2, tcp', transport: 'mpi', n: 3, zk: ELASTIC, mpirunArgs: MPI_TCP },
  {
    name: 'mpi K=4 β=1 H=3, shared memory',
    transport: 'mpi',
    n: 4,
    zk: LOCAL_SGD,
    mpirunArgs: MPI_SHARED_MEMORY,
  },
];

const finals = new Map<string, number[][]>();

const close = (a: readonly number[], b: readonly number[], tol = TOL): void => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    expect(Math.abs(v - b[i]!), `index ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol);
  });
};
const meanOf = (rows: readonly (readonly number[])[]): number[] =>
  rows[0]!.map((_, i) => rows.reduce((s, r) => s + r[i]!, 0) / rows.length);

describe.each(WORLDS)('ZooKeeper on $name', (world) => {
  const replayConfig: ReplayConfig = {
    ...BASE,
    lr: world.zk.lr,
    beta: world.zk.beta ?? 1,
    syncEvery: world.zk.syncEvery ?? 1,
    momentum: world.zk.momentum ?? 0,
  };
  let outputs: WorkerOutput[] = [];
  let replay: ReplayStep[] = [];

  beforeAll(async () => {
    if (world.transport === 'mpi') ensureMpiAddon();
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...BASE, optimizer: { name: 'zookeeper', ...world.zk } },
      {
        n: world.n,
        transport: world.transport,
        ...(world.mpirunArgs ? { mpirunArgs: world.mpirunArgs } : {}),
      },
    );
    expect(run.result.code, run.lines.join('\n')).toBe(0);
    outputs = run.outputs.map((o) => o!);
    replay = replayLinear(replayConfig, world.n);
    finals.set(
      `${world.n}/${JSON.stringify(world.zk)}/${world.transport}`,
      outputs.map((o) => o.final),
    );
  });

  it('runs on the requested transport with one output per rank', () => {
    expect(outputs.map((o) => [o.rank, o.size, o.transport])).toEqual(
      Array.from({ length: world.n }, (_, r) => [r, world.n, world.transport]),
    );
  });

  it("starts every replica from rank 0's initial weights (broadcast), though each rank initialised its own", () => {
    const r0 = rankInit(BASE.d, 0);
    for (const o of outputs) expect(o.log[0]!.before).toEqual([...r0.w, r0.b]);
  });

  it('matches the hand-written ZooKeeper step by step (params, gradients, non-trainable stats)', () => {
    outputs.forEach((o, k) => {
      o.log.forEach((s, t) => {
        const want = replay[t]!;
        close(s.before, want.before[k]!);
        close(s.grad, want.grad[k]!);
        close(s.after, want.after[k]!);
        close(s.stats, want.stats[k]!);
        expect(s.synced).toBe(want.synced);
      });
    });
  });

  it('moves the mean of the replicas by exactly −α·mean_k(m_k) every step (PSGD terms sum to zero)', () => {
    // With momentum 0, m_k is the gradient: x̄ ← x̄ − α·mean_k g_k(x_k).
    if ((world.zk.momentum ?? 0) !== 0) return;
    for (let t = 0; t < BASE.steps; t++) {
      const step = outputs.map((o) => o.log[t]!);
      const before = meanOf(step.map((s) => s.before));
      const g = meanOf(step.map((s) => s.grad));
      close(
        meanOf(step.map((s) => s.after)),
        before.map((v, i) => v - world.zk.lr * g[i]!),
      );
    }
  });

  it('leaves replicas bit-identical after every β = 1 sync step, and apart between syncs when H > 1', () => {
    const beta = world.zk.beta ?? 1;
    for (let t = 0; t < BASE.steps; t++) {
      const after = outputs.map((o) => JSON.stringify(o.log[t]!.after));
      const stats = outputs.map((o) => JSON.stringify(o.log[t]!.stats));
      if (replay[t]!.synced) {
        expect(new Set(stats).size).toBe(1);
        if (beta === 1) expect(new Set(after).size).toBe(1);
      } else if (world.n > 1) {
        expect(new Set(after).size).toBe(world.n);
      }
    }
  });

  it('is, with β = 1 and H = 1, synchronous SGD on the mean gradient', () => {
    if ((world.zk.beta ?? 1) !== 1 || (world.zk.syncEvery ?? 1) !== 1 || world.zk.momentum) return;
    for (const o of outputs) {
      for (let t = 0; t < BASE.steps; t++) {
        const g = meanOf(outputs.map((p) => p.log[t]!.grad));
        close(
          o.log[t]!.after,
          o.log[t]!.before.map((v, i) => v - world.zk.lr * g[i]!),
        );
      }
    }
  });

  it('equals core’s in-process simulation fed the same gradients (bit-for-bit on local, to rounding on MPI)', () => {
    const sim = simulateZooKeeper({ name: 'zookeeper', ...world.zk }, world.n);
    const tensors = (v: readonly number[]) => [
      Tensor.fromData(Float64Array.from(v.slice(0, BASE.d)), [BASE.d], 'float64'),
      Tensor.fromData([v[BASE.d]!], [], 'float64'),
    ];
    let replicas = outputs.map((o) => tensors(o.log[0]!.before));
    let state = sim.init(replicas[0]!);
    for (let t = 0; t < BASE.steps; t++) {
      const r = sim.step(
        replicas,
        outputs.map((o) => tensors(o.log[t]!.grad)),
        state,
      );
      replicas = r.replicas.map((ps) => materialize(ps));
      state = r.state;
      replicas.forEach((ps, k) => {
        const got = ps.flatMap((p) => Array.from(p.data()));
        if (world.transport === 'local') expect(got).toEqual(outputs[k]!.log[t]!.after);
        else close(got, outputs[k]!.log[t]!.after);
      });
    }
  });

  it('reports the consensus x̄ (the rank mean) identically on every rank', () => {
    const want = meanOf(outputs.map((o) => o.final));
    for (const o of outputs) {
      close(o.consensus, want, 1e-15);
      expect(o.consensus).toEqual(outputs[0]!.consensus);
    }
  });
});

describe('ZooKeeper, K = 1', () => {
  it('is exactly SGD with the same learning rate (core sgd replayed on the logged gradients)', async () => {
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...BASE, optimizer: { name: 'zookeeper', lr: 0.1 } },
      { n: 1 },
    );
    const log = run.outputs[0]!.log;
    const sgd = optimizerFromConfig({ name: 'sgd', lr: 0.1 });
    const [w0, b0] = [log[0]!.before.slice(0, BASE.d), log[0]!.before[BASE.d]!];
    let params = [
      Tensor.fromData(Float64Array.from(w0), [BASE.d], 'float64'),
      Tensor.fromData([b0], [], 'float64'),
    ];
    let state = sgd.init(params);
    for (const s of log) {
      const grads = [
        Tensor.fromData(Float64Array.from(s.grad.slice(0, BASE.d)), [BASE.d], 'float64'),
        Tensor.fromData([s.grad[BASE.d]!], [], 'float64'),
      ];
      const r = sgd.step(params, grads, state);
      params = materialize(r.params);
      state = r.state;
      expect(params.flatMap((p) => Array.from(p.data()))).toEqual(s.after);
    }
  });
});

describe('across transports', () => {
  it('local and MPI runs of the same world agree to rounding (never compared bit-for-bit)', () => {
    for (const world of WORLDS.filter((w) => w.transport === 'local')) {
      const local = finals.get(`${world.n}/${JSON.stringify(world.zk)}/local`)!;
      const mpi = finals.get(`${world.n}/${JSON.stringify(world.zk)}/mpi`)!;
      expect(mpi).toBeDefined();
      local.forEach((f, k) => {
        close(f, mpi[k]!);
      });
    }
  });
});
