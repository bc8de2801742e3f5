import { readFileSync } from 'node:fs';
import { type DType, toTyped } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  float64SkipReason,
  type Host,
  runLoss,
  runOptimizer,
  runRegularizer,
  runReptileOptimizer,
  runSchedule,
  runZooKeeper,
  selectBackend,
  tfTrainEquivalent,
} from './conformance-driver.ts';
import { TEST_BACKENDS } from './testing.ts';

/**
 * A sample of the real conformance cases (oracle-written expectations) through the driver the
 * conformance columns use; the full matrix runs from the conformance CLI.
 */
const CASES = new URL('../../../conformance/cases/', import.meta.url);
type Json = { [k: string]: unknown };
const load = (path: string): Json => JSON.parse(readFileSync(new URL(path, CASES), 'utf8'));
const host = (t: unknown): Host => {
  const {
    shape,
    data,
    dtype = 'float32',
  } = t as { shape: number[]; data: (number | string)[]; dtype?: DType };
  return { shape, dtype, data: toTyped(data.map(Number), dtype) };
};
const expected = (t: unknown) => (t as { data: (number | string)[] }).data.map(Number);

function close(got: ArrayLike<number>, want: readonly number[], tol: { rtol: number; atol: number }): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i]!;
    if (Number.isNaN(w)) expect(g).toBeNaN();
    else
      expect(Math.abs(g - w), `element ${i}: ${g} vs ${w}`).toBeLessThanOrEqual(
        tol.atol + tol.rtol * Math.abs(w),
      );
  });
}

const tol = (c: Json) =>
  (c.tolerance as { rtol: number; atol: number } | undefined) ?? { rtol: 1e-5, atol: 1e-6 };

describe.each(TEST_BACKENDS)('conformance driver on %s', (backend) => {
  beforeAll(() => selectBackend(backend));

  it.each(['adam-keras-epsilon-amsgrad', 'lamb-zero-param', 'rmsprop-keras-centered-momentum-schedule'])(
    'optimizer case %s',
    (name) => {
      const c = load(`optimizers/${name}.json`);
      const got = runReptileOptimizer(
        c.optimizer,
        (c.params as unknown[]).map(host),
        (c.grads as unknown[][]).map((g) => g.map(host)),
      );
      (c.expected as unknown[][]).forEach((step, s) => {
        step.forEach((p, i) => {
          close(got[s]![i]!.data, expected(p), tol(c));
        });
      });
    },
  );

  it.each(['cross-entropy-class-weights-smoothing', 'kl-prob-none-clipped', 'huber-delta-half-sum'])(
    'loss case %s',
    (name) => {
      const c = load(`losses/${name}.json`);
      const got = runLoss(c.loss, host(c.yTrue), host(c.yPred));
      const e = c.expected as { value: unknown; gradYPred: unknown };
      close(got.value.data, expected(e.value), tol(c));
      close(got.gradYPred.data, expected(e.gradYPred), tol(c));
    },
  );

  it('regularizer, schedule and ZooKeeper cases', () => {
    const r = load('regularizers/l1l2-explicit.json');
    const reg = runRegularizer(r.regularizer, host(r.weights));
    const e = r.expected as { value: unknown; grad: unknown };
    close(reg.value.data, expected(e.value), tol(r));
    close(reg.grad.data, expected(e.grad), tol(r));
    const s = load('schedules/one-cycle-cos.json');
    close(runSchedule(s.schedule, s.steps as number[]), s.expected as number[], tol(s));
    const z = load('zookeeper/zookeeper-k3-base-adam-elastic.json');
    const got = runZooKeeper(
      z.optimizer,
      z.workers as number,
      (z.params as unknown[]).map(host),
      (z.grads as unknown[][][]).map((st) => st.map((w) => w.map(host))),
    );
    (z.expected as unknown[][][]).forEach((step, t) => {
      step.forEach((worker, k) => {
        worker.forEach((p, i) => {
          close(got[t]![k]![i]!.data, expected(p), tol(z));
        });
      });
    });
  });
});

describe('skips and tf.train pairings', () => {
  it('skips float64 cases only when their tolerance is tighter than float32', () => {
    const f64: Host = { shape: [1], dtype: 'float64', data: Float64Array.of(1) };
    expect(float64SkipReason([f64], 1e-12)).toMatch(/tfjs has no float64/);
    expect(float64SkipReason([f64], 1e-5)).toBeUndefined();
    expect(
      float64SkipReason([{ ...f64, dtype: 'float32', data: Float32Array.of(1) }], 1e-12),
    ).toBeUndefined();
  });

  it('pairs Reptile configs with tf.train optimizers of the same update rule only', async () => {
    await selectBackend('cpu');
    expect('make' in tfTrainEquivalent({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true })).toBe(true);
    expect(tfTrainEquivalent({ name: 'adamw' })).toEqual({
      reason: 'tf.train optimizers have no weight decay',
    });
    expect(tfTrainEquivalent({ name: 'rmsprop' })).toEqual({
      reason: 'tf.train.rmsprop takes sqrt(v + eps) (the keras epsilonStyle)',
    });
    const c = load('optimizers/sgd-nesterov.json');
    const eq = tfTrainEquivalent(c.optimizer);
    if (!('make' in eq)) throw new Error('expected a pairing');
    const got = runOptimizer(
      eq.make,
      (c.params as unknown[]).map(host),
      (c.grads as unknown[][]).map((g) => g.map(host)),
    );
    close(got[got.length - 1]![0]!.data, expected((c.expected as unknown[][]).at(-1)![0]), tol(c));
  });
});
