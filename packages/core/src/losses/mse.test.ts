import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const t = (data: number[], shape = [data.length]) => Tensor.fromData(data, shape, 'float64');

describe('mse', () => {
  const yTrue = t([1, 2, 3]);
  const yPred = t([1.5, 2, 1]);

  it('computes (ŷ − y)² and reduces', () => {
    // d = [0.5, 0, −2] → d² = [0.25, 0, 4]; sum 4.25, mean 4.25/3
    expectClose(
      lossFromConfig({ name: 'mse', reduction: 'none' }).compute(yTrue, yPred).toArray(),
      [0.25, 0, 4],
    );
    expect(lossFromConfig({ name: 'mse', reduction: 'sum' }).compute(yTrue, yPred).item()).toBeCloseTo(
      4.25,
      12,
    );
    expect(lossFromConfig({ name: 'mse' }).compute(yTrue, yPred).item()).toBeCloseTo(4.25 / 3, 12);
  });

  it('has gradient 2d/N for mean', () => {
    const [g] = grad(lossFromConfig({ name: 'mse' }).compute(yTrue, yPred), [yPred]);
    expectClose(g!.toArray(), [1 / 3, 0, -4 / 3], 1e-12);
    expectGradMatchesFiniteDifferences(
      (x) => lossFromConfig({ name: 'mse' }).compute(t([0.3, -1.2]), x),
      [1.1, 0.4],
      [2],
    );
  });

  it('is ≥ 0, and 0 iff yPred = yTrue', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0] / 4);
          const b = pairs.map((p) => p[1] / 4);
          const v = lossFromConfig({ name: 'mse' }).compute(t(a), t(b)).item();
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v === 0).toBe(a.every((x, i) => x === b[i]));
        },
      ),
    );
  });

  it('rejects shapes that differ instead of broadcasting', () => {
    expectReptileError(
      () => lossFromConfig({ name: 'mse' }).compute(t([1, 2, 3], [3]), t([1, 2, 3], [3, 1])),
      '[3]',
      '[3,1]',
      'loss',
    );
  });

  it('rejects integer predictions', () => {
    expectReptileError(
      () =>
        lossFromConfig({ name: 'mse' }).compute(
          Tensor.fromData([1], [1], 'int32'),
          Tensor.fromData([1], [1], 'int32'),
        ),
      'yPred must be float',
    );
  });
});
