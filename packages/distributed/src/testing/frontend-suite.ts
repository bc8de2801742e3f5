import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Frontend, FrontendWorkerConfig, FrontendWorkerOutput } from './frontend-worker.ts';
import { rankInit } from './linear-problem.ts';
import { type ReplayStep, replayLinear } from './linear-replay.ts';
import { ensureMpiAddon, MPI_SHARED_MEMORY, runWorker } from './run-worker.ts';

/**
 * The ZOOKEEPER.md properties for a frontend whose proposal step runs outside the reference
 * backend (ONNX, TorchScript), on real worlds: each world runs frontend-worker.ts on the
 * frontend under test AND on the reference frontend (zookeeperRank), same data and transport.
 * Within a run, replica equalities are bit-for-bit; against linear-replay.ts's float64 replay and
 * the reference run, to float32 rounding.
 */

export interface FrontendWorld {
  readonly name: string;
  readonly transport: 'local' | 'mpi';
  readonly n: number;
  readonly zk: { lr: number; beta?: number; syncEvery?: number; momentum?: number };
}

export const SYNC_SGD = { lr: 0.1 };
export const SYNC_MOMENTUM = { lr: 0.05, momentum: 0.9 };
export const ELASTIC = { lr: 0.1, beta: 0.5, syncEvery: 2 };
export const LOCAL_SGD = { lr: 0.1, syncEvery: 3 };

/** The fixture's sizes: a 4-parameter model, 10 steps (enough for three H = 3 rounds). */
export const BASE = { n: 48, d: 3, batch: 4, steps: 10, seed: 1, statsMomentum: 0.9 };
/**
 * float32 against float64 (or against another float32 order of operations): ten steps of
 * values of order 1 stay within a few hundred float32 ulps of 1 (1.2e-7 each).
 */
export const TOL32 = 2e-5;

const WORKER = fileURLToPath(new URL('./frontend-worker.ts', import.meta.url));

export const close = (a: readonly number[], b: readonly number[], tol = TOL32): number => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((v, i) => {
    const d = Math.abs(v - b[i]!);
    worst = Math.max(worst, d);
    expect(d, `index ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol);
  });
  return worst;
};

const meanOf = (rows: readonly (readonly number[])[]): number[] =>
  rows[0]!.map((_, i) => rows.reduce((s, r) => s + r[i]!, 0) / rows.length);

async function run(frontend: Frontend, world: FrontendWorld): Promise<FrontendWorkerOutput[]> {
  const config: Omit<FrontendWorkerConfig, 'out'> = {
    ...BASE,
    frontend,
    optimizer: { name: 'zookeeper', ...world.zk },
  };
  const r = await runWorker<FrontendWorkerOutput>(WORKER, config, {
    n: world.n,
    transport: world.transport,
    ...(world.transport === 'mpi' ? { mpirunArgs: MPI_SHARED_MEMORY } : {}),
  });
  expect(r.result.code, r.lines.join('\n')).toBe(0);
  return r.outputs.map((o) => o!);
}

/** `engine` names what ran the proposal step in the worker, e.g. /^onnxruntime / or /^torch /. */
export function frontendZooKeeperSuite(
  frontend: Exclude<Frontend, 'reference'>,
  engine: RegExp,
  worlds: readonly FrontendWorld[],
) {
  describe.each(worlds)(`ZooKeeper with the proposal on ${frontend}, $name`, (world) => {
    let outputs: FrontendWorkerOutput[] = [];
    let reference: FrontendWorkerOutput[] = [];
    let replay: ReplayStep[] = [];
    const beta = world.zk.beta ?? 1;
    const syncEvery = world.zk.syncEvery ?? 1;

    beforeAll(async () => {
      if (world.transport === 'mpi') ensureMpiAddon();
      [outputs, reference] = await Promise.all([run(frontend, world), run('reference', world)]);
      replay = replayLinear(
        { ...BASE, lr: world.zk.lr, beta, syncEvery, momentum: world.zk.momentum ?? 0 },
        world.n,
      );
    }, 120_000);

    it("runs one rank per output on the requested transport and frontend, each starting from rank 0's weights", () => {
      expect(outputs.map((o) => [o.rank, o.size, o.transport])).toEqual(
        Array.from({ length: world.n }, (_, r) => [r, world.n, world.transport]),
      );
      for (const o of outputs) expect(o.engine).toMatch(engine);
      for (const o of reference) expect(o.engine).toBe('reference');
      const r0 = rankInit(BASE.d, 0);
      const want = Array.from(Float32Array.from([...r0.w, r0.b]));
      for (const o of outputs) expect(o.log[0]!.before).toEqual(want);
    });

    it('follows the hand-written float64 ZooKeeper to float32 rounding (params, gradients, stats)', () => {
      outputs.forEach((o, k) => {
        o.log.forEach((s, t) => {
          const want = replay[t]!;
          expect(s.synced).toBe(want.synced);
          close(s.before, want.before[k]!);
          close(s.grad, want.grad[k]!);
          close(s.after, want.after[k]!);
          close(s.stats, want.stats[k]!);
        });
      });
    });

    it('keeps replicas bit-identical after each β = 1 sync step, and apart between syncs when H > 1', () => {
      for (let t = 0; t < BASE.steps; t++) {
        const after = new Set(outputs.map((o) => JSON.stringify(o.log[t]!.after)));
        const stats = new Set(outputs.map((o) => JSON.stringify(o.log[t]!.stats)));
        if (outputs[0]!.log[t]!.synced) {
          expect(stats.size).toBe(1);
          if (beta === 1) expect(after.size).toBe(1);
        } else {
          expect(after.size).toBe(world.n);
        }
      }
    });

    it('moves the mean of the replicas by −α·mean_k g_k every step (the PSGD terms sum to zero)', () => {
      if (world.zk.momentum) return; // with momentum it is −α·mean_k m_k: covered by the replay
      for (let t = 0; t < BASE.steps; t++) {
        const step = outputs.map((o) => o.log[t]!);
        const g = meanOf(step.map((s) => s.grad));
        close(
          meanOf(step.map((s) => s.after)),
          meanOf(step.map((s) => s.before)).map((v, i) => v - world.zk.lr * g[i]!),
          1e-6,
        );
      }
    });

    it('is, with β = 1 and H = 1, synchronous SGD on the mean gradient', () => {
      if (beta !== 1 || syncEvery !== 1 || world.zk.momentum) return;
      for (const o of outputs) {
        for (let t = 0; t < BASE.steps; t++) {
          const g = meanOf(outputs.map((p) => p.log[t]!.grad));
          close(
            o.log[t]!.after,
            o.log[t]!.before.map((v, i) => v - world.zk.lr * g[i]!),
            1e-6,
          );
        }
      }
    });

    it("agrees with the reference frontend's distributed ZooKeeper on the same data", () => {
      outputs.forEach((o, k) => {
        o.log.forEach((s, t) => {
          const r = reference[k]!.log[t]!;
          expect(s.synced).toBe(r.synced);
          close(s.before, r.before, 1e-6);
          close(s.after, r.after, 1e-6);
          close(s.stats, r.stats, 1e-6);
        });
        close(o.consensus, reference[k]!.consensus, 1e-6);
      });
    });

    it('reports the consensus x̄ (the rank mean) identically on every rank', () => {
      const want = meanOf(outputs.map((o) => o.final));
      for (const o of outputs) {
        close(o.consensus, want, 1e-7);
        expect(o.consensus).toEqual(outputs[0]!.consensus);
      }
    });
  });
}
