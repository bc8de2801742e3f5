import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const logP = () => Tensor.fromData([0.2, 0.3, 0.5, 0.6, 0.3, 0.1].map(Math.log), [2, 3], 'float64');
const idx = (data: number[]) => Tensor.fromData(data, [data.length], 'int32');

describe('nll', () => {
  it('picks −yPred at the target (torch nll_loss)', () => {
    // targets [1, 0]: −ln 0.3, −ln 0.6
    expectClose(
      lossFromConfig({ name: 'nll', reduction: 'none' })
        .compute(idx([1, 0]), logP())
        .toArray(),
      [-Math.log(0.3), -Math.log(0.6)],
    );
    expectClose(
      [
        lossFromConfig({ name: 'nll' })
          .compute(idx([1, 0]), logP())
          .item(),
      ],
      [-(Math.log(0.3) + Math.log(0.6)) / 2],
    );
  });

  it('with class weights: mean divides by Σ w[y]', () => {
    // w = [2, 1, 4]: (1·(−ln 0.3) + 2·(−ln 0.6)) / 3
    const v = lossFromConfig({ name: 'nll', classWeights: [2, 1, 4] }).compute(idx([1, 0]), logP());
    expectClose([v.item()], [-(Math.log(0.3) + 2 * Math.log(0.6)) / 3]);
    const x = logP();
    const [g] = grad(lossFromConfig({ name: 'nll', classWeights: [2, 1, 4] }).compute(idx([1, 0]), x), [x]);
    expectClose(g!.toArray(), [0, -1 / 3, 0, -2 / 3, 0, 0], 1e-12);
    expectGradMatchesFiniteDifferences(
      (z) => lossFromConfig({ name: 'nll', classWeights: [2, 1, 4] }).compute(idx([2, 0]), z),
      [-1, -2, -0.5, -0.3, -0.1, -3],
      [2, 3],
    );
  });

  it('ignores −∞ log-probabilities of other classes', () => {
    const x = Tensor.fromData([-Infinity, 0], [1, 2]);
    const v = lossFromConfig({ name: 'nll' }).compute(idx([1]), x);
    expect(v.item()).toBe(0);
    expectClose(grad(v, [x])[0]!.toArray(), [0, -1]);
  });

  it('rejects bad targets', () => {
    expectReptileError(() => lossFromConfig({ name: 'nll' }).compute(idx([1, 5]), logP()), 'class index 5');
    expectReptileError(
      () => lossFromConfig({ name: 'nll' }).compute(logP(), logP()),
      'int32 class indices of shape [2]',
    );
    expectReptileError(
      () => lossFromConfig({ name: 'nll', classWeights: [1] }).compute(idx([1, 0]), logP()),
      'classWeights',
    );
  });
});
