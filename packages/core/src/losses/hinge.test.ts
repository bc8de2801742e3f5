import { describe, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const t = (data: number[]) => Tensor.fromData(data, [data.length], 'float64');

describe('hinge', () => {
  it('computes max(1 − y·ŷ, 0) with gradient −y where the margin is violated', () => {
    // y = [1, −1, 1], ŷ = [0.5, 0.5, 2]: [0.5, 1.5, 0]; d/dŷ of the sum = [−1, 1, 0]
    const yPred = t([0.5, 0.5, 2]);
    const v = lossFromConfig({ name: 'hinge', reduction: 'none' }).compute(t([1, -1, 1]), yPred);
    expectClose(v.toArray(), [0.5, 1.5, 0], 1e-12);
    const [g] = grad(v.sum(), [yPred]);
    expectClose(g!.toArray(), [-1, 1, 0], 1e-12);
    expectGradMatchesFiniteDifferences(
      (x) => lossFromConfig({ name: 'hinge' }).compute(t([1, -1]), x),
      [0.3, -2],
      [2],
    );
  });

  it('rejects constant labels other than −1 and 1', () => {
    expectReptileError(
      () => lossFromConfig({ name: 'hinge' }).compute(t([1, 0]), t([0.5, 0.5])),
      'yTrue[1] = 0',
      'y·2 − 1',
    );
  });
});
