import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { reptileOptimizer } from './optimizer.ts';
import { useBackend } from './testing.ts';

/**
 * The tf.train differences docs/tfjs.md reports, as facts that fail loudly if a tfjs release
 * changes them. Each pair is run on the same gradient sequence from the same start.
 */
const START = [0.5, -1.5, 2, 0.25];
const noisy = (t: number) => START.map((_, i) => Math.sin(1.3 * t + i) * 0.1 + 0.01 * i);
const tiny = (t: number) => START.map((_, i) => 1e-4 * Math.cos(t + i));

function run(make: () => tf.Optimizer, grads: (t: number) => number[], steps: number): number[] {
  const v = tf.variable(tf.tensor1d(START));
  const opt = make();
  for (let t = 0; t < steps; t++)
    tf.tidy(() => opt.applyGradients([{ name: v.name, tensor: tf.tensor1d(grads(t)) }]));
  const out = Array.from(v.dataSync());
  v.dispose();
  opt.dispose();
  return out;
}

/** Largest |a − b| relative to how far the parameters moved. */
function relToMove(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.abs(x - START[i]!)));
}

beforeAll(() => useBackend('cpu'));

describe('tf.train against Reptile configs with the same update rule', () => {
  it('momentum (incl. Nesterov) and keras-style rmsprop are bit-identical', () => {
    const nesterov = () => reptileOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true });
    expect(run(nesterov, noisy, 200)).toEqual(run(() => tf.train.momentum(0.01, 0.9, true), noisy, 200));
    const rms = () =>
      reptileOptimizer({ name: 'rmsprop', lr: 1e-3, alpha: 0.9, eps: 1e-7, epsilonStyle: 'keras' });
    expect(run(rms, tiny, 100)).toEqual(run(() => tf.train.rmsprop(1e-3, 0.9, 0, 1e-7), tiny, 100));
  });

  it('adam agrees to float32 rounding (bias corrections differ: float32 running products in tfjs)', () => {
    const ours = run(() => reptileOptimizer({ name: 'adam', lr: 1e-3 }), noisy, 1000);
    const theirs = run(() => tf.train.adam(1e-3, 0.9, 0.999, 1e-8), noisy, 1000);
    expect(relToMove(ours, theirs)).toBeLessThan(1e-4);
    expect(ours).not.toEqual(theirs);
  });

  it("tf.train.adam's default ε is 1e-7, Reptile's (torch's) 1e-8: visible for small gradients", () => {
    const ours = run(() => reptileOptimizer({ name: 'adam', lr: 1e-3 }), tiny, 100);
    const theirs = run(() => tf.train.adam(1e-3), tiny, 100);
    expect(relToMove(ours, theirs)).toBeGreaterThan(1e-4);
  });

  it('centered rmsprop: tfjs takes sqrt(v − ḡ² − ε) and reaches NaN where Reptile stays finite', () => {
    const ours = run(
      () =>
        reptileOptimizer({
          name: 'rmsprop',
          lr: 1e-3,
          alpha: 0.9,
          eps: 1e-7,
          epsilonStyle: 'keras',
          centered: true,
        }),
      noisy,
      10,
    );
    const theirs = run(() => tf.train.rmsprop(1e-3, 0.9, 0, 1e-7, true), noisy, 10);
    expect(ours.every(Number.isFinite)).toBe(true);
    expect(theirs.some(Number.isNaN)).toBe(true);
  });

  it('adagrad: ε = 1e-7 inside the sqrt (tfjs) vs 1e-10 outside (torch) matters when Σg² is small', () => {
    const ours = run(() => reptileOptimizer({ name: 'adagrad', lr: 1e-2 }), tiny, 100);
    const theirs = run(() => tf.train.adagrad(1e-2, 0), tiny, 100);
    expect(relToMove(ours, theirs)).toBeGreaterThan(0.5);
    // with an initial accumulator ≫ ε (tfjs' default 0.1) the two agree to rounding
    const a = run(
      () => reptileOptimizer({ name: 'adagrad', lr: 1e-2, initialAccumulatorValue: 0.1 }),
      noisy,
      100,
    );
    const b = run(() => tf.train.adagrad(1e-2, 0.1), noisy, 100);
    expect(relToMove(a, b)).toBeLessThan(1e-3);
  });
});
