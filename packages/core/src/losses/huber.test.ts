import { describe, it } from 'vitest';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const t = (data: number[]) => Tensor.fromData(data, [data.length], 'float64');

describe('huber', () => {
  it('is quadratic inside δ and linear outside (δ = 1 default)', () => {
    // d = [0.5, −2, 1]: 0.5·0.25 = 0.125; 1·(2 − 0.5) = 1.5; at |d| = δ both give 0.5
    const v = lossFromConfig({ name: 'huber', reduction: 'none' }).compute(t([0, 0, 0]), t([0.5, -2, 1]));
    expectClose(v.toArray(), [0.125, 1.5, 0.5], 1e-12);
  });

  it('uses δ', () => {
    // δ = 0.5, d = [0.25, −2]: 0.5·0.0625 = 0.03125; 0.5·(2 − 0.25) = 0.875; sum 0.90625
    const v = lossFromConfig({ name: 'huber', delta: 0.5, reduction: 'sum' }).compute(
      t([0, 0]),
      t([0.25, -2]),
    );
    expectClose([v.item()], [0.90625], 1e-12);
  });

  it('has the right gradient on both sides of δ', () => {
    expectGradMatchesFiniteDifferences(
      (x) => lossFromConfig({ name: 'huber', delta: 0.7 }).compute(t([0.1, 0.2, -0.3]), x),
      [0.5, -1.4, 2],
      [3],
    );
  });

  it('rejects δ ≤ 0', () => {
    expectReptileError(() => lossFromConfig({ name: 'huber', delta: 0 }), 'loss.delta');
    expectReptileError(() => lossFromConfig({ name: 'huber', delta: -1 }), 'loss.delta');
  });
});
