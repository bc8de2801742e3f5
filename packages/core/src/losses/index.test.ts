import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.ts';
import { LOSS_NAMES, lossFromConfig } from './index.ts';
import { expectClose, expectGradMatchesFiniteDifferences, expectReptileError } from './test-helpers.ts';

/**
 * One table drives the checks every loss must pass. Inputs keep away from kinks (|d| = δ, margin
 * 1, clip bounds) so finite differences apply.
 */
interface Example {
  readonly config: { readonly name: string; readonly [key: string]: unknown };
  readonly yTrue: (dtype: 'float32' | 'float64') => Tensor;
  readonly yPred: readonly number[];
  /** One value per row (last axis reduced) rather than per element. */
  readonly perRow?: boolean;
}

const SHAPE = [2, 3];
const values = (data: number[]) => (dtype: 'float32' | 'float64') => Tensor.fromData(data, SHAPE, dtype);
const indices = () => Tensor.fromData([2, 0], [2], 'int32');
const PROBS = [0.2, 0.3, 0.5, 0.6, 0.1, 0.3];
const ANY = [0.4, -1.3, 0.9, 2.2, -0.1, 0.7];

const EXAMPLES: readonly Example[] = [
  { config: { name: 'mse' }, yTrue: values([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), yPred: ANY },
  { config: { name: 'mae' }, yTrue: values([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), yPred: ANY },
  { config: { name: 'huber', delta: 0.8 }, yTrue: values([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), yPred: ANY },
  { config: { name: 'crossEntropy', labelSmoothing: 0.1 }, yTrue: indices, yPred: ANY, perRow: true },
  { config: { name: 'binaryCrossEntropy' }, yTrue: values([1, 0, 0.3, 1, 0, 1]), yPred: PROBS },
  { config: { name: 'nll' }, yTrue: indices, yPred: PROBS.map(Math.log), perRow: true },
  { config: { name: 'klDivergence' }, yTrue: values(PROBS), yPred: [-1, -2, -0.5, -0.3, -3, -1.1] },
  { config: { name: 'hinge' }, yTrue: values([1, -1, 1, -1, -1, 1]), yPred: ANY },
  {
    config: { name: 'cosineSimilarity' },
    yTrue: values([1, -2, 0.5, 0.3, 0.3, 1]),
    yPred: ANY,
    perRow: true,
  },
];

const withReduction = (e: Example, reduction: string) => lossFromConfig({ ...e.config, reduction });

describe('lossFromConfig', () => {
  it('has an example for every loss', () => {
    expect(EXAMPLES.map((e) => e.config.name)).toEqual([...LOSS_NAMES]);
  });

  describe.each(EXAMPLES)('$config.name', (e) => {
    const yPred = (dtype: 'float32' | 'float64' = 'float64') => Tensor.fromData(e.yPred, SHAPE, dtype);

    it("'none' keeps the unreduced shape; 'sum' = count·'mean'", () => {
      const none = withReduction(e, 'none').compute(e.yTrue('float64'), yPred());
      expect(none.shape).toEqual(e.perRow ? [2] : SHAPE);
      const sum = withReduction(e, 'sum').compute(e.yTrue('float64'), yPred()).item();
      const mean = withReduction(e, 'mean').compute(e.yTrue('float64'), yPred()).item();
      expectClose([sum], [none.sum().item()], 1e-12);
      expectClose([sum], [mean * none.size], 1e-12);
    });

    it('returns a scalar in yPred’s dtype', () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const yTrue = e.yTrue(dtype);
        const v = lossFromConfig(e.config).compute(yTrue, yPred(dtype));
        expect(v.shape).toEqual([]);
        expect(v.dtype).toBe(dtype);
      }
    });

    it('gradients match float64 finite differences', () => {
      for (const reduction of ['mean', 'sum']) {
        const loss = withReduction(e, reduction);
        expectGradMatchesFiniteDifferences((x) => loss.compute(e.yTrue('float64'), x), e.yPred, SHAPE);
      }
    });

    it('its config round-trips through JSON into an identical loss', () => {
      const a = lossFromConfig(e.config);
      const b = lossFromConfig(JSON.parse(JSON.stringify(a.config)));
      expect(b.config).toEqual(a.config);
      expect(Object.isFrozen(a.config)).toBe(true);
      expect(b.compute(e.yTrue('float64'), yPred()).item()).toBe(
        a.compute(e.yTrue('float64'), yPred()).item(),
      );
    });

    it('rejects unknown fields and reductions', () => {
      expectReptileError(() => lossFromConfig({ ...e.config, reductoin: 'sum' }), 'loss.reductoin');
      expectReptileError(() => lossFromConfig({ ...e.config, reduction: 'avg' }), 'loss.reduction');
    });
  });

  it('fills in defaults', () => {
    expect(lossFromConfig({ name: 'crossEntropy' }).config).toEqual({
      name: 'crossEntropy',
      fromLogits: true,
      labelSmoothing: 0,
      reduction: 'mean',
    });
    expect(lossFromConfig({ name: 'huber' }).config).toEqual({ name: 'huber', delta: 1, reduction: 'mean' });
    expect(lossFromConfig({ name: 'binaryCrossEntropy' }).config.reduction).toBe('mean');
  });

  it("accepts 'batchmean' only for klDivergence", () => {
    expect(lossFromConfig({ name: 'klDivergence', reduction: 'batchmean' }).config.reduction).toBe(
      'batchmean',
    );
    expectReptileError(() => lossFromConfig({ name: 'mse', reduction: 'batchmean' }), 'loss.reduction');
  });

  it('rejects unknown names and non-objects, naming the path', () => {
    expectReptileError(() => lossFromConfig({ name: 'bce' }), 'loss.name', "'binaryCrossEntropy'");
    expectReptileError(() => lossFromConfig('mse'), 'loss');
    expectReptileError(
      () => lossFromConfig({ name: 'mse' }, 'recipe.loss').compute(Tensor.scalar(1), Tensor.ones([1])),
      '[]',
      '[1]',
    );
    expectReptileError(() => lossFromConfig({}, 'recipe.loss'), 'recipe.loss.name');
  });
});
