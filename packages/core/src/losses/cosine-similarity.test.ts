import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const f64 = (data: number[], shape: number[]) => Tensor.fromData(data, shape, 'float64');

describe('cosineSimilarity', () => {
  it('is −cos(ŷ, y) per row', () => {
    // rows: ŷ = [1, 1], y = [1, 0] → −1/√2; ŷ = [3, 4], y = [4, 3] → −24/25
    const v = lossFromConfig({ name: 'cosineSimilarity', reduction: 'none' }).compute(
      f64([1, 0, 4, 3], [2, 2]),
      f64([1, 1, 3, 4], [2, 2]),
    );
    expectClose(v.toArray(), [-Math.SQRT1_2, -0.96], 1e-12);
  });

  it('has gradient −(u − cos·n)/‖ŷ‖', () => {
    // ŷ = [3, 4]: n = [.6, .8], u = y/‖y‖ = [.8, .6], cos = .96 → −([.224, −.168])/5
    const x = f64([3, 4], [1, 2]);
    const [g] = grad(lossFromConfig({ name: 'cosineSimilarity' }).compute(f64([4, 3], [1, 2]), x), [x]);
    expectClose(g!.toArray(), [-0.0448, 0.0336], 1e-12);
    expectGradMatchesFiniteDifferences(
      (z) => lossFromConfig({ name: 'cosineSimilarity' }).compute(f64([1, -2, 0.5, 0.3, 0.3, 1], [2, 3]), z),
      [0.4, 1.1, -0.6, 2, -1, 0.2],
      [2, 3],
    );
  });

  it('gives 0 and finite gradients for a zero row (norm clamped at √1e-12)', () => {
    const x = f64([0, 0], [1, 2]);
    const v = lossFromConfig({ name: 'cosineSimilarity' }).compute(f64([0, 0], [1, 2]), x);
    expect(v.item()).toBe(0);
    expect(grad(v, [x])[0]!.toArray().every(Number.isFinite)).toBe(true);
  });

  it('needs a last axis and matching shapes', () => {
    const loss = lossFromConfig({ name: 'cosineSimilarity' });
    expectReptileError(() => loss.compute(Tensor.scalar(1), Tensor.scalar(1)), 'last (class) axis');
    expectReptileError(() => loss.compute(f64([1, 2], [1, 2]), f64([1, 2], [2, 1])), '[1,2]', '[2,1]');
  });
});
