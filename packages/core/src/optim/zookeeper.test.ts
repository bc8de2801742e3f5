import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../dtype.ts';
import { ReptileError } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { type Collective, type FloatBuffer, singleRankCollective } from './collective.ts';
import { optimizerFromConfig } from './from-config.ts';
import { bits, settle } from './test-support.ts';
import { broadcastParams, consensusParams, isSyncStep, zookeeperOptimizer } from './zookeeper.ts';
import { simulateZooKeeper } from './zookeeper-sim.ts';

const SHAPES = [[2, 3], [4], []];

function noise(shape: readonly number[], dtype: DType, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromData(
    Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233 + 0.5) * 0.8),
    shape,
    dtype,
  );
}

/** K workers, each with its own gradient per step; returns replicas after every step. */
function simulate(config: Record<string, unknown>, k: number, steps: number, dtype: DType = 'float32') {
  const sim = simulateZooKeeper(config, k);
  const start = SHAPES.map((s, i) => noise(s, dtype, i));
  const grads = (step: number) =>
    Array.from({ length: k }, (_, w) => SHAPES.map((s, i) => noise(s, dtype, 1000 + step * 97 + w * 13 + i)));
  let replicas: Tensor[][] = Array.from({ length: k }, () => start);
  let state = sim.init(start);
  const history: Tensor[][][] = [];
  for (let t = 0; t < steps; t++) {
    const out = sim.step(replicas, grads(t), state);
    const settled = settle(out.replicas.flat(), out.state);
    replicas = out.replicas.map((_, w) => settled.params.slice(w * SHAPES.length, (w + 1) * SHAPES.length));
    state = settled.state;
    history.push(replicas);
  }
  return { sim, start, grads, history };
}

/** A plain optimizer driven by the mean of the workers' gradients. */
function syncRun(config: Record<string, unknown>, k: number, steps: number, dtype: DType = 'float32') {
  const opt = optimizerFromConfig(config);
  const { start, grads } = simulate({ name: 'zookeeper' }, k, 0, dtype);
  let params = start;
  let state = opt.init(params);
  const history: Tensor[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = grads(t);
    const mean = SHAPES.map((_, i) =>
      g
        .map((w) => w[i]!.cast('float64'))
        .reduce((a, b) => a.add(b))
        .div(k),
    );
    const out = opt.step(
      params,
      mean.map((m) => m.cast(dtype)),
      state,
    );
    ({ params, state } = settle(out.params, out.state));
    history.push(params);
  }
  return history;
}

function expectClose(a: Tensor, b: Tensor, tol: number): void {
  const x = a.toArray();
  const y = b.toArray();
  x.forEach((v, i) => {
    expect(Math.abs(v - y[i]!)).toBeLessThan(tol);
  });
}

describe('ZooKeeper', () => {
  it('is a sync step when (t + 1) mod H == 0, t from 0', () => {
    expect([0, 1, 2, 3, 4, 5].map((t) => isSyncStep(t, 3))).toEqual([false, false, true, false, false, true]);
    expect([0, 1, 2].map((t) => isSyncStep(t, 1))).toEqual([true, true, true]);
  });

  it.each([
    [{ lr: 0.1 }, { lr: 0.1 }],
    [
      { lr: 0.05, beta: 0.3, momentum: 0.9, nesterov: true },
      { lr: 0.05, momentum: 0.9, nesterov: true },
    ],
    [
      { lr: 0.05, beta: 0.7, syncEvery: 2, momentum: 0.5 },
      { lr: 0.05, momentum: 0.5 },
    ],
  ])('K = 1 equals SGD bit for bit (%j)', (zk, sgd) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const viaSim = simulate({ name: 'zookeeper', ...zk }, 1, 5, dtype).history;
      const plain = syncRun({ name: 'sgd', ...sgd }, 1, 5, dtype);
      // The single-rank optimizer (through the collective) agrees too.
      const rank = zookeeperOptimizer({ name: 'zookeeper', ...zk });
      const opt = optimizerFromConfig({ name: 'sgd', ...sgd });
      let a = simulate({ name: 'zookeeper' }, 1, 0, dtype).start;
      let b = a;
      let sa = rank.init(a);
      let sb = opt.init(b);
      const { grads } = simulate({ name: 'zookeeper' }, 1, 0, dtype);
      for (let t = 0; t < 5; t++) {
        const oa = rank.step(a, grads(t)[0]!, sa);
        const ob = opt.step(b, grads(t)[0]!, sb);
        ({ params: a, state: sa } = settle(oa.params, oa.state));
        ({ params: b, state: sb } = settle(ob.params, ob.state));
        viaSim[t]![0]!.forEach((p, i) => {
          expect(bits(p)).toEqual(bits(plain[t]![i]!));
          expect(bits(a[i]!)).toEqual(bits(plain[t]![i]!));
        });
      }
    }
  });

  it('β = 1, H = 1: replicas stay bit-identical and follow synchronous SGD on the mean gradient', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const { history } = simulate({ name: 'zookeeper', lr: 0.1 }, 4, 6, dtype);
      const sync = syncRun({ name: 'sgd', lr: 0.1 }, 4, 6, dtype);
      history.forEach((reps, t) => {
        for (const r of reps)
          r.forEach((p, i) => {
            expect(bits(p)).toEqual(bits(reps[0]![i]!));
          });
        reps[0]!.forEach((p, i) => {
          expectClose(p, sync[t]![i]!, dtype === 'float32' ? 1e-6 : 1e-14);
        });
      });
    }
  });

  it('momentum with β = 1, H = 1 equals synchronous momentum SGD (momentum is linear)', () => {
    const cfg = { lr: 0.05, momentum: 0.9, nesterov: true };
    const { history } = simulate({ name: 'zookeeper', ...cfg }, 3, 6, 'float64');
    const sync = syncRun({ name: 'sgd', ...cfg }, 3, 6, 'float64');
    history.forEach((reps, t) => {
      for (const [i, p] of reps[1]!.entries()) expectClose(p, sync[t]![i]!, 1e-13);
    });
  });

  it('for any β and H the replica mean moves as x̄ ← x̄ − α·mean_k g_k (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 4 }),
        (beta, syncEvery, k) => {
          const { sim, history } = simulate({ name: 'zookeeper', lr: 0.1, beta, syncEvery }, k, 4);
          const sync = syncRun({ name: 'sgd', lr: 0.1 }, k, 4);
          history.forEach((reps, t) => {
            sim.consensus(reps).forEach((p, i) => {
              expectClose(p, sync[t]![i]!, 1e-6);
            });
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('H > 1 with β = 1 is local SGD: independent replicas between syncs, averaged at sync', () => {
    const k = 2;
    const { start, grads, history } = simulate({ name: 'zookeeper', lr: 0.1, syncEvery: 3 }, k, 3, 'float64');
    // Steps 0 and 1 are local: replica w is plain SGD on its own gradients.
    const local = Array.from({ length: k }, (_, w) => {
      let x = start;
      const out: Tensor[][] = [];
      for (let t = 0; t < 3; t++) {
        x = x.map((p, i) => p.sub(grads(t)[w]![i]!.mul(0.1)));
        out.push(x);
      }
      return out;
    });
    for (let w = 0; w < k; w++) {
      for (const t of [0, 1])
        history[t]![w]!.forEach((p, i) => {
          expectClose(p, local[w]![t]![i]!, 1e-14);
        });
    }
    expect(bits(history[1]![0]![0]!)).not.toEqual(bits(history[1]![1]![0]!));
    // Step 2 syncs: both replicas become the mean of the local proposals.
    history[2]![0]!.forEach((p, i) => {
      expectClose(p, local[0]![2]![i]!.add(local[1]![2]![i]!).div(2), 1e-14);
      expect(bits(p)).toEqual(bits(history[2]![1]![i]!));
    });
  });

  it('0 < β < 1 contracts disagreement by (1 − β) at each sync', () => {
    const { grads, start } = simulate({ name: 'zookeeper' }, 2, 0, 'float64');
    const sim = simulateZooKeeper({ name: 'zookeeper', lr: 0.1, beta: 0.25 }, 2);
    const out = sim.step([start, start], grads(0), sim.init(start));
    // proposals differ by 0.1·(g_1 − g_0); after the blend by 0.75 of that
    const gap = out.replicas[1]![1]!.sub(out.replicas[0]![1]!).toArray();
    const want = grads(0)[0]![1]!
      .sub(grads(0)[1]![1]!)
      .mul(0.1 * 0.75)
      .toArray();
    gap.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 14);
    });
  });

  it('with a base optimizer each worker keeps its own state (not synchronous Adam)', () => {
    const { history } = simulate({ name: 'zookeeper', base: { name: 'adam', lr: 0.05 } }, 2, 3, 'float64');
    const syncAdam = syncRun({ name: 'adam', lr: 0.05 }, 2, 3, 'float64');
    const diff = Math.abs(history[2]![0]![0]!.toArray()[0]! - syncAdam[2]![0]!.toArray()[0]!);
    expect(diff).toBeGreaterThan(1e-6);
    // K = 1 with a base is exactly the base optimizer.
    const one = simulate({ name: 'zookeeper', base: { name: 'adam', lr: 0.05 } }, 1, 3, 'float64').history;
    const adam = syncRun({ name: 'adam', lr: 0.05 }, 1, 3, 'float64');
    one[2]![0]!.forEach((p, i) => {
      expect(bits(p)).toEqual(bits(adam[2]![i]!));
    });
  });

  it('sends all params in ONE fused buffer per sync step through the collective', () => {
    const calls: number[] = [];
    const recording: Collective = {
      ...singleRankCollective(),
      allreduceMean(buffer: FloatBuffer) {
        calls.push(buffer.length);
        return buffer.slice();
      },
    };
    const opt = zookeeperOptimizer({ name: 'zookeeper', syncEvery: 2 }, recording);
    let params = SHAPES.map((s, i) => noise(s, 'float32', i));
    let state = opt.init(params);
    for (let t = 0; t < 4; t++) ({ params, state } = opt.step(params, params, state));
    expect(calls).toEqual([11, 11]);
    expect(broadcastParams(recording, params).map((p) => p.shape)).toEqual(SHAPES);
    expect(consensusParams(recording, params).length).toBe(3);
    expect(calls).toEqual([11, 11, 11]);
  });

  it('rejects bad configs and mismatched inputs clearly', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ beta: 1.5 }, /optimizer\.beta: 1\.5 is out of range/],
      [{ syncEvery: 0 }, /optimizer\.syncEvery/],
      [{ syncEvery: 1.5 }, /an integer/],
      [{ nesterov: true }, /nesterov needs momentum > 0/],
      [{ base: { name: 'adam' }, lr: 0.1 }, /optimizer\.lr: 'lr' has no effect when 'base' is given/],
      [{ base: { name: 'zookeeper' } }, /cannot itself be ZooKeeper/],
      [{ base: { name: 'adam', beta1: Number.NaN } }, /optimizer\.base\.beta1: expected a finite number/],
    ];
    for (const [cfg, message] of bad) {
      expect(() => optimizerFromConfig({ name: 'zookeeper', ...cfg })).toThrow(message);
    }
    expect(() => simulateZooKeeper({ name: 'zookeeper' }, 0)).toThrow(ReptileError);
    const sim = simulateZooKeeper({ name: 'zookeeper' }, 2);
    const p = [Tensor.fromData([1, 2], [2])];
    const state = sim.init(p);
    expect(() => sim.step([p], [p, p], state)).toThrow(/expected replicas for 2 workers, got 1/);
    expect(() => sim.step([p, p], [p, [Tensor.fromData([1], [1])]], state)).toThrow(/worker 1/);
  });
});
