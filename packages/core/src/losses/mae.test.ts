import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences } from './test-helpers.ts';

const t = (data: number[]) => Tensor.fromData(data, [data.length], 'float64');

describe('mae', () => {
  it('computes |ŷ − y| and reduces', () => {
    // |[0.5, 0, −2]| = [0.5, 0, 2]; sum 2.5, mean 2.5/3
    const loss = (reduction: string) =>
      lossFromConfig({ name: 'mae', reduction }).compute(t([1, 2, 3]), t([1.5, 2, 1]));
    expectClose(loss('none').toArray(), [0.5, 0, 2]);
    expect(loss('sum').item()).toBeCloseTo(2.5, 12);
    expect(loss('mean').item()).toBeCloseTo(2.5 / 3, 12);
  });

  it('has gradient sign(d)/N, 0 where ŷ = y (torch)', () => {
    const yPred = t([1.5, 2, 1]);
    const [g] = grad(lossFromConfig({ name: 'mae' }).compute(t([1, 2, 3]), yPred), [yPred]);
    expectClose(g!.toArray(), [1 / 3, 0, -1 / 3], 1e-12);
    expectGradMatchesFiniteDifferences(
      (x) => lossFromConfig({ name: 'mae' }).compute(t([0.3, -1.2]), x),
      [1.1, 0.4],
      [2],
    );
  });
});
