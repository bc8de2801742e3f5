import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

const LN2 = Math.log(2);
const f64 = (data: number[], shape: number[]) => Tensor.fromData(data, shape, 'float64');
const idx = (data: number[]) => Tensor.fromData(data, [data.length], 'int32');
// Row A: logits [0, 0, ln 2] → softmax [¼, ¼, ½]. Row B: [ln 3, 0, 0] → [⅗, ⅕, ⅕].
const logits = () => f64([0, 0, LN2, Math.log(3), 0, 0], [2, 3]);

describe('crossEntropy', () => {
  it('with class indices is −log softmax at the target (torch)', () => {
    // targets [2, 0]: −ln ½ = ln 2 and −ln ⅗ = ln(5/3)
    const none = lossFromConfig({ name: 'crossEntropy', reduction: 'none' }).compute(idx([2, 0]), logits());
    expectClose(none.toArray(), [LN2, Math.log(5 / 3)], 1e-12);
    const mean = lossFromConfig({ name: 'crossEntropy' }).compute(idx([2, 0]), logits());
    expectClose([mean.item()], [(LN2 + Math.log(5 / 3)) / 2], 1e-12);
  });

  it('has gradient (softmax − onehot)/N', () => {
    const x = logits();
    const [g] = grad(lossFromConfig({ name: 'crossEntropy' }).compute(idx([2, 0]), x), [x]);
    expectClose(g!.toArray(), [0.25 / 2, 0.25 / 2, -0.5 / 2, -0.4 / 2, 0.2 / 2, 0.2 / 2], 1e-12);
  });

  it('weighted mean divides by the summed weights of the targets', () => {
    // w = [2, 1, 0.5]: row A (target 2) 0.5·ln 2, row B (target 0) 2·ln(5/3); Σw[y] = 2.5
    const v = lossFromConfig({ name: 'crossEntropy', classWeights: [2, 1, 0.5] }).compute(
      idx([2, 0]),
      logits(),
    );
    expectClose([v.item()], [(0.5 * LN2 + 2 * Math.log(5 / 3)) / 2.5], 1e-12);
  });

  it('label smoothing mixes in ε/C of every class', () => {
    // ε = 0.3, row A target 2: 0.7·ln 2 + 0.1·(ln 4 + ln 4 + ln 2) = 0.7·ln 2 + 0.5·ln 2 = 1.2·ln 2
    const v = lossFromConfig({ name: 'crossEntropy', labelSmoothing: 0.3 }).compute(
      idx([2]),
      f64([0, 0, LN2], [1, 3]),
    );
    expectClose([v.item()], [1.2 * LN2], 1e-12);
  });

  it('label smoothing with weights follows torch: both terms weighted, mean over Σw[y]', () => {
    // ε = 0.3, w = [2, 1, 0.5], row A target 2: 0.7·0.5·ln 2 + 0.1·(2·ln 4 + 1·ln 4 + 0.5·ln 2)
    // = 0.35·ln 2 + 0.1·6.5·ln 2 = ln 2; divided by w[2] = 0.5 → 2·ln 2
    const config = { name: 'crossEntropy', labelSmoothing: 0.3, classWeights: [2, 1, 0.5] };
    const v = lossFromConfig(config).compute(idx([2]), f64([0, 0, LN2], [1, 3]));
    expectClose([v.item()], [2 * LN2], 1e-12);
  });

  it('takes probability targets of yPred’s shape', () => {
    // p = [½, 0, ½] on row A: −(½·ln ¼ + ½·ln ½) = 1.5·ln 2
    const v = lossFromConfig({ name: 'crossEntropy' }).compute(
      f64([0.5, 0, 0.5], [1, 3]),
      f64([0, 0, LN2], [1, 3]),
    );
    expectClose([v.item()], [1.5 * LN2], 1e-12);
  });

  it('with fromLogits false normalises probabilities and clips them (Keras)', () => {
    // [2, 3, 5] normalises to [0.2, 0.3, 0.5]; target 2 → −ln 0.5. [0, 1, 1] → [0, ½, ½], the 0
    // clips to 1e-7: target 0 → −ln 1e-7 = 7·ln 10.
    const loss = lossFromConfig({ name: 'crossEntropy', fromLogits: false, reduction: 'none' });
    const v = loss.compute(idx([2, 0]), f64([2, 3, 5, 0, 1, 1], [2, 3]));
    expectClose(v.toArray(), [LN2, 7 * Math.log(10)], 1e-12);
  });

  it('one-hot probability targets equal class-index targets', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 4, maxLength: 4 }),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.constantFrom(0, 0.1),
        fc.boolean(),
        (rows, labelSmoothing, fromLogits) => {
          const n = rows.length;
          const yPred = f64(
            rows.flatMap((r) => r[1].map((v) => (fromLogits ? v / 8 : (Math.abs(v) + 1) / 10))),
            [n, 4],
          );
          const classes = rows.map((r) => r[0]);
          const oneHot = f64(
            classes.flatMap((c) => [0, 1, 2, 3].map((k) => (k === c ? 1 : 0))),
            [n, 4],
          );
          // 'sum' with weights, or 'mean' without them: the reductions both forms share.
          for (const extra of [{ reduction: 'sum', classWeights: [1, 2, 0.5, 3] }, { reduction: 'mean' }]) {
            const loss = lossFromConfig({ name: 'crossEntropy', labelSmoothing, fromLogits, ...extra });
            const a = loss.compute(idx(classes), yPred).item();
            const b = loss.compute(oneHot, yPred).item();
            expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(a)));
          }
        },
      ),
    );
  });

  it('gradients match finite differences (indices, probabilities, weights, smoothing, fromLogits false)', () => {
    const x0 = [0.3, -1.2, 0.8, 2.1, 0.4, -0.7];
    const p0 = [0.3, 0.2, 0.5, 0.6, 0.1, 0.3];
    const configs = [
      { name: 'crossEntropy', labelSmoothing: 0.2, classWeights: [1, 3, 0.5] },
      { name: 'crossEntropy', fromLogits: false, labelSmoothing: 0.1, classWeights: [1, 3, 0.5] },
    ];
    for (const config of configs) {
      const loss = lossFromConfig(config);
      expectGradMatchesFiniteDifferences(
        (x) => loss.compute(idx([1, 2]), x),
        config.fromLogits === false ? p0 : x0,
        [2, 3],
      );
      expectGradMatchesFiniteDifferences(
        (x) => loss.compute(f64([0.1, 0.6, 0.3, 0, 0, 1], [2, 3]), x),
        config.fromLogits === false ? p0 : x0,
        [2, 3],
      );
    }
  });

  it('stays finite for logits ±100 and −∞ logits of non-target classes', () => {
    // [100, −100, 0], target 1: log-softmax = −100 − 100 − log(1 + e^−100 + e^−200) ≈ −200
    const x = Tensor.fromData([100, -100, 0], [1, 3]);
    const v = lossFromConfig({ name: 'crossEntropy' }).compute(Tensor.fromData([1], [1], 'int32'), x);
    expect(v.item()).toBeCloseTo(200, 4);
    const [g] = grad(v, [x]);
    expect(g!.toArray().every(Number.isFinite)).toBe(true);
    const masked = Tensor.fromData([0, -Infinity, 0], [1, 3]);
    const m = lossFromConfig({ name: 'crossEntropy' }).compute(Tensor.fromData([0], [1], 'int32'), masked);
    expect(m.item()).toBeCloseTo(LN2, 6);
    expect(grad(m, [masked])[0]!.toArray().every(Number.isFinite)).toBe(true);
  });

  it('stays finite for probabilities 0 and 1 with fromLogits false', () => {
    const p = Tensor.fromData([1, 0, 0, 0, 1, 0], [2, 3]);
    const v = lossFromConfig({ name: 'crossEntropy', fromLogits: false }).compute(
      idx([1, 1]).cast('int32'),
      p,
    );
    expect(Number.isFinite(v.item())).toBe(true);
    expect(grad(v, [p])[0]!.toArray().every(Number.isFinite)).toBe(true);
  });

  it('rejects targets that fit neither form, bad indices and bad class weights', () => {
    const loss = lossFromConfig({ name: 'crossEntropy' });
    expectReptileError(
      () => loss.compute(idx([0, 1, 2]), logits()),
      'int32',
      'shape [3]',
      '[2,3]',
      'class indices of shape [2]',
    );
    expectReptileError(() => loss.compute(f64([1, 0, 0], [1, 3]), logits()), '[1,3]', '[2,3]');
    expectReptileError(() => loss.compute(idx([0, 3]), logits()), 'class index 3', '[0, 3)');
    expectReptileError(() => loss.compute(idx([-1, 0]), logits()), 'class index -1');
    expectReptileError(() => loss.compute(idx([]), f64([], [0])), 'empty last (class) axis');
    expectReptileError(
      () => lossFromConfig({ name: 'crossEntropy', classWeights: [1, 2] }).compute(idx([0, 1]), logits()),
      'classWeights has 2 entries',
      '3 classes',
    );
    expectReptileError(
      () => loss.compute(Tensor.scalar(0, 'int32'), Tensor.scalar(1, 'float64')),
      'class) axis',
    );
  });

  it('validates its config', () => {
    expectReptileError(
      () => lossFromConfig({ name: 'crossEntropy', labelSmoothing: 1.5 }),
      'loss.labelSmoothing',
    );
    expectReptileError(
      () => lossFromConfig({ name: 'crossEntropy', labelSmoothing: -0.1 }),
      'loss.labelSmoothing',
    );
    expectReptileError(
      () => lossFromConfig({ name: 'crossEntropy', classWeights: [1, -1] }),
      'loss.classWeights[1]',
    );
    expectReptileError(() => lossFromConfig({ name: 'crossEntropy', classWeights: 2 }), 'loss.classWeights');
    expectReptileError(() => lossFromConfig({ name: 'crossEntropy', fromLogits: 'yes' }), 'loss.fromLogits');
    expectReptileError(
      () => lossFromConfig({ name: 'crossEntropy', reduction: 'batchmean' }),
      'loss.reduction',
    );
    expectReptileError(() => lossFromConfig({ name: 'crossEntropy', weights: [1] }), 'loss.weights');
  });
});
