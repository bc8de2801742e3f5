import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const t = (data: number[]) => Tensor.fromData(data, [data.length], 'float64');
const probs = (reduction = 'mean') => lossFromConfig({ name: 'binaryCrossEntropy', reduction });
const logits = (reduction = 'mean') =>
  lossFromConfig({ name: 'binaryCrossEntropy', fromLogits: true, reduction });

describe('binaryCrossEntropy', () => {
  it('on probabilities is −(y·ln p + (1 − y)·ln(1 − p))', () => {
    // y = [1, 0, 0.5], p = [0.5, 0.25, 0.5]: ln 2, −ln 0.75, ln 2
    expectClose(
      probs('none')
        .compute(t([1, 0, 0.5]), t([0.5, 0.25, 0.5]))
        .toArray(),
      [Math.LN2, -Math.log(0.75), Math.LN2],
      1e-12,
    );
  });

  it('on probabilities has gradient (p − y)/(p(1 − p))', () => {
    // p = 0.25, y = 0: 0.25/0.1875 = 4/3; p = 0.5, y = 1: −0.5/0.25 = −2
    const p = t([0.25, 0.5]);
    const [g] = grad(probs('sum').compute(t([0, 1]), p), [p]);
    expectClose(g!.toArray(), [4 / 3, -2], 1e-12);
    expectGradMatchesFiniteDifferences((x) => probs().compute(t([0, 1, 0.3]), x), [0.2, 0.9, 0.6], [3]);
  });

  it('clamps each log at −100 (torch), with finite gradients at p = 0 and 1', () => {
    // y = 1, p = 0 → 100; y = 0, p = 1 → 100; y = 0, p = 0 → 0; y = 1, p = 1 → 0
    const p = Tensor.fromData([0, 1, 0, 1], [4]);
    const v = probs('none').compute(Tensor.fromData([1, 0, 0, 1], [4]), p);
    expectClose(v.toArray(), [100, 100, 0, 0], 1e-12);
    expect(grad(v.sum(), [p])[0]!.toArray().every(Number.isFinite)).toBe(true);
  });

  it('from logits is max(x, 0) − x·y + log(1 + e^−|x|) with gradient σ(x) − y', () => {
    // x = 0 → ln 2 for any y; x = ln 3, y = 0 → ln 3 + ln(4/3) = ln 4
    expectClose(
      logits('none')
        .compute(t([1, 0]), t([0, Math.log(3)]))
        .toArray(),
      [Math.LN2, Math.log(4)],
      1e-12,
    );
    const x = t([0, Math.log(3)]);
    const [g] = grad(logits('sum').compute(t([1, 0]), x), [x]);
    expectClose(g!.toArray(), [-0.5, 0.75], 1e-12);
    expectGradMatchesFiniteDifferences((z) => logits().compute(t([1, 0, 0.3]), z), [2.5, -0.7, 0.1], [3]);
  });

  it('from logits stays finite and exact at ±100', () => {
    // x = 100, y = 0 → 100; x = −100, y = 1 → 100; x = 100, y = 1 → log(1 + e^−100) ≈ 3.7e-44
    const x = Tensor.fromData([100, -100, 100, -100], [4]);
    const v = logits('none').compute(Tensor.fromData([0, 1, 1, 0], [4]), x);
    expectClose(v.toArray(), [100, 100, 0, 0], 1e-6);
    const g = grad(v.sum(), [x])[0]!.toArray();
    expectClose(g, [1, -1, 0, 0], 1e-6);
  });

  it('validates its config and shapes', () => {
    expectReptileError(
      () => lossFromConfig({ name: 'binaryCrossEntropy', fromLogits: 1 }),
      'loss.fromLogits',
    );
    expectReptileError(
      () => probs().compute(t([1, 0]), Tensor.fromData([0.5, 0.5], [2, 1], 'float64')),
      '[2]',
      '[2,1]',
    );
  });
});
