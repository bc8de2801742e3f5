import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const f64 = (data: number[], shape = [1, data.length]) => Tensor.fromData(data, shape, 'float64');
const LN2 = Math.LN2;

describe('klDivergence', () => {
  it('logInput: p·(log p − yPred), 0 where p = 0 (torch kl_div)', () => {
    // p = [½, ½, 0], log q = ln[¼, ¼, ½]: [½·ln 2, ½·ln 2, 0]
    const p = f64([0.5, 0.5, 0]);
    const logQ = f64([0.25, 0.25, 0.5].map(Math.log));
    const kl = (reduction: string) => lossFromConfig({ name: 'klDivergence', reduction }).compute(p, logQ);
    expectClose(kl('none').toArray(), [LN2 / 2, LN2 / 2, 0], 1e-12);
    expectClose([kl('sum').item(), kl('batchmean').item(), kl('mean').item()], [LN2, LN2, LN2 / 3], 1e-12);
  });

  it('logInput: gradient −p/N, and 0 with no NaN where p = 0 and yPred = −∞', () => {
    const x = f64([0.25, 0.25, 0.5].map(Math.log));
    const [g] = grad(
      lossFromConfig({ name: 'klDivergence', reduction: 'sum' }).compute(f64([0.5, 0.5, 0]), x),
      [x],
    );
    expectClose(g!.toArray(), [-0.5, -0.5, 0], 1e-12);
    const masked = f64([0, -Infinity]);
    const v = lossFromConfig({ name: 'klDivergence', reduction: 'sum' }).compute(f64([1, 0]), masked);
    expect(v.item()).toBe(0);
    expectClose(grad(v, [masked])[0]!.toArray(), [-1, 0], 0);
  });

  it('logInput false: p·log(p/q) with clipping (Keras, elementwise)', () => {
    // p = [½, ½], q = [¼, ¾]: ½·ln 2 + ½·ln(⅔); gradient of the sum −p/q = [−2, −⅔]
    const q = f64([0.25, 0.75]);
    const v = lossFromConfig({ name: 'klDivergence', logInput: false, reduction: 'sum' }).compute(
      f64([0.5, 0.5]),
      q,
    );
    expectClose([v.item()], [0.5 * LN2 + 0.5 * Math.log(2 / 3)], 1e-12);
    expectClose(grad(v, [q])[0]!.toArray(), [-2, -2 / 3], 1e-12);
    // p = 0 clips to 1e-7 and q = 0 too: 1e-7·ln(1e-7/1e-7) = 0; p = 1, q = 0 → ln(1e7)
    const z = lossFromConfig({ name: 'klDivergence', logInput: false, reduction: 'none' }).compute(
      f64([0, 1]),
      f64([0, 0]),
    );
    expectClose(z.toArray(), [0, 7 * Math.log(10)], 1e-12);
  });

  it('gradients match finite differences', () => {
    const p = f64([0.2, 0.3, 0.5, 0.1, 0.6, 0.3], [2, 3]);
    for (const logInput of [true, false]) {
      const loss = lossFromConfig({ name: 'klDivergence', logInput, reduction: 'batchmean' });
      const x0 = logInput ? [-1.2, -0.9, -1.5, -2, -0.4, -1] : [0.3, 0.3, 0.4, 0.2, 0.5, 0.3];
      expectGradMatchesFiniteDifferences((x) => loss.compute(p, x), x0, [2, 3]);
    }
  });

  it('batchmean divides the sum by dimension 0', () => {
    const p = f64([0.5, 0.5, 0.25, 0.75], [2, 2]);
    const x = f64([-1, -1, -1, -1], [2, 2]);
    const sum = lossFromConfig({ name: 'klDivergence', reduction: 'sum' }).compute(p, x).item();
    const bm = lossFromConfig({ name: 'klDivergence', reduction: 'batchmean' }).compute(p, x).item();
    expect(bm).toBeCloseTo(sum / 2, 12);
  });

  it('rejects batchmean on a scalar and bad config', () => {
    expectReptileError(
      () =>
        lossFromConfig({ name: 'klDivergence', reduction: 'batchmean' }).compute(
          Tensor.scalar(0.5),
          Tensor.scalar(-1),
        ),
      'batch axis',
    );
    expectReptileError(() => lossFromConfig({ name: 'klDivergence', logInput: 'no' }), 'loss.logInput');
    expectReptileError(
      () => lossFromConfig({ name: 'klDivergence', reduction: 'avg' }),
      'loss.reduction',
      "'batchmean'",
    );
  });
});
