import { grad, Tensor } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { eagerTrainingContext, INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import type { CallContext } from '../layer.ts';
import { Random } from '../random.ts';
import { maxAbsDiff, numericGrad, runPython, testValues } from '../recurrent/testing.ts';
import { Sequential } from '../sequential.ts';
import { BatchNormalization } from './batch-normalization.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

function training(updates?: Map<string, Tensor>): CallContext {
  return {
    training: true,
    uniform: () => {
      throw new Error('BatchNormalization draws no noise');
    },
    ...(updates ? { updates } : {}),
  };
}

/** torch.nn.functional.batch_norm in float64; channel axis 1 (NCHW / NC). Returns y and the running stats after the call. */
const TORCH_BN = `
import sys, json, torch
out = []
for d in json.load(sys.stdin):
    t = lambda k: torch.tensor(d[k], dtype=torch.float64)
    x = t('x').reshape(d['shape'])
    rm, rv = t('mean'), t('var')
    y = torch.nn.functional.batch_norm(x, rm, rv, t('gamma'), t('beta'), training=d['training'],
                                       momentum=d['momentum'], eps=d['eps'])
    out.append({'y': y.flatten().tolist(), 'mean': rm.tolist(), 'var': rv.tolist()})
print(json.dumps(out))
`;

interface Case {
  shape: number[];
  x: number[];
  mean: number[];
  var: number[];
  gamma: number[];
  beta: number[];
  training: boolean;
  momentum: number;
  eps: number;
}

const C = 3;
const nchw = [4, C, 2, 2];
const x4 = testValues(4 * C * 4, 1, 2).map((v, i) => v + (i % 5)); // non-zero means per channel
const stats = {
  mean: [0.1, -0.2, 0.3],
  var: [1.5, 0.5, 2.0],
  gamma: [1.2, 0.8, -0.5],
  beta: [0.1, 0.0, -0.3],
};
const cases: Case[] = [
  { shape: nchw, x: x4, ...stats, training: true, momentum: 0.1, eps: 1e-3 },
  { shape: nchw, x: x4, ...stats, training: false, momentum: 0.1, eps: 1e-3 },
];

function layerFor(axis: number, inputShape: number[]): BatchNormalization {
  const layer = new BatchNormalization({ axis, dtype: 'float64' });
  layer.setName('bn');
  layer.build(inputShape);
  return layer;
}

const weights = {
  gamma: f64(stats.gamma, [C]),
  beta: f64(stats.beta, [C]),
  movingMean: f64(stats.mean, [C]),
  movingVariance: f64(stats.var, [C]),
};

describe('BatchNormalization', () => {
  let torch: { y: number[]; mean: number[]; var: number[] }[] = [];
  beforeAll(() => {
    torch = runPython(TORCH_BN, cases) as typeof torch;
  }, 120_000);

  it('training mode on NCHW (axis 1) matches torch batch_norm (float64)', () => {
    const y = layerFor(1, [C, 2, 2]).call(f64(x4, nchw), weights, training());
    expect(maxAbsDiff(y.toArray(), torch[0]!.y)).toBeLessThan(1e-13);
  });

  it('inference mode uses the moving statistics, as torch with training=False', () => {
    const y = layerFor(1, [C, 2, 2]).call(f64(x4, nchw), weights, INFERENCE);
    expect(maxAbsDiff(y.toArray(), torch[1]!.y)).toBeLessThan(1e-13);
  });

  it('axis -1 on NHWC data equals axis 1 on the same data in NCHW', () => {
    const nhwc = f64(x4, nchw).transpose([0, 2, 3, 1]);
    const y = layerFor(-1, [2, 2, C]).call(nhwc, weights, training());
    expect(maxAbsDiff(y.transpose([0, 3, 1, 2]).toArray(), torch[0]!.y)).toBeLessThan(1e-13);
  });

  it('closed form on [4, 1]: (x − mean)/√(var + ε), biased variance, no scale or centre', () => {
    const layer = new BatchNormalization({ center: false, scale: false, epsilon: 0.25, dtype: 'float64' });
    layer.setName('bn');
    expect(layer.build([1]).map((w) => [w.name, w.trainable])).toEqual([
      ['movingMean', false],
      ['movingVariance', false],
    ]);
    // x = 1, 2, 3, 6: mean 3, biased variance (4 + 1 + 0 + 9)/4 = 3.5, √(3.5 + 0.25) = √3.75
    const y = layer.call(
      f64([1, 2, 3, 6], [4, 1]),
      { movingMean: f64([0], [1]), movingVariance: f64([1], [1]) },
      training(),
    );
    const s = Math.sqrt(3.75);
    expect(maxAbsDiff(y.toArray(), [-2 / s, -1 / s, 0, 3 / s])).toBeLessThan(1e-15);
  });

  it('reports Keras moving-statistics updates keyed by weight path (hand computed)', () => {
    const layer = new BatchNormalization({ momentum: 0.9, dtype: 'float64' });
    layer.setName('bn');
    layer.build([2]);
    // column 0: 1, 3 → mean 2, biased var 1; column 1: 0, 4 → mean 2, biased var 4
    const updates = new Map<string, Tensor>();
    layer.call(
      f64([1, 0, 3, 4], [2, 2]),
      {
        gamma: f64([1, 1], [2]),
        beta: f64([0, 0], [2]),
        movingMean: f64([10, -10], [2]),
        movingVariance: f64([1, 2], [2]),
      },
      training(updates),
    );
    expect([...updates.keys()]).toEqual(['bn/movingMean', 'bn/movingVariance']);
    // 0.9·old + 0.1·batch
    expect(maxAbsDiff(updates.get('bn/movingMean')!.toArray(), [9.2, -8.8])).toBeLessThan(1e-14);
    expect(maxAbsDiff(updates.get('bn/movingVariance')!.toArray(), [1, 2.2])).toBeLessThan(1e-14);
  });

  it('in a Sequential, update keys are the model weight paths of the non-trainable weights', () => {
    const model = new Sequential([
      new Dense({ units: 3, dtype: 'float64' }),
      new BatchNormalization({ dtype: 'float64' }),
    ]);
    model.build([2]);
    expect(model.weights.map((w) => [w.path, w.trainable])).toEqual([
      ['dense_1/kernel', true],
      ['dense_1/bias', true],
      ['batch_normalization_1/gamma', true],
      ['batch_normalization_1/beta', true],
      ['batch_normalization_1/movingMean', false],
      ['batch_normalization_1/movingVariance', false],
    ]);
    const updates = new Map<string, Tensor>();
    const params = model.initWeights(1);
    expect(params[5]!.toArray()).toEqual([1, 1, 1]); // moving variance starts at ones
    model.apply(params, f64([1, 2, 3, 4, 5, 7], [3, 2]), eagerTrainingContext(new Random(1), updates));
    expect([...updates.keys()]).toEqual([
      'batch_normalization_1/movingMean',
      'batch_normalization_1/movingVariance',
    ]);
    expect(updates.get('batch_normalization_1/movingMean')!.shape).toEqual([3]);
  });

  it('reports no updates in inference mode', () => {
    const updates = new Map<string, Tensor>();
    layerFor(1, [C, 2, 2]).call(f64(x4, nchw), weights, { ...INFERENCE, updates });
    expect(updates.size).toBe(0);
  });

  it('training-mode gradients (x, gamma, beta) match float64 central differences', () => {
    const layer = layerFor(1, [C, 2]);
    const shape = [3, C, 2];
    const xs = testValues(18, 3, 1.5);
    const coeffs = f64(testValues(18, 4), shape);
    const run = (x: Tensor, gamma: Tensor, beta: Tensor) =>
      layer
        .call(x, { ...weights, gamma, beta }, training())
        .mul(coeffs)
        .sum();
    const x = f64(xs, shape);
    const [gx, gg, gb] = grad(run(x, weights.gamma, weights.beta), [x, weights.gamma, weights.beta]);
    const nx = numericGrad((v) => run(f64(v, shape), weights.gamma, weights.beta).item(), xs);
    const ng = numericGrad((v) => run(x, f64(v, [C]), weights.beta).item(), stats.gamma);
    const nb = numericGrad((v) => run(x, weights.gamma, f64(v, [C])).item(), stats.beta);
    expect(maxAbsDiff(gx!.toArray(), nx)).toBeLessThan(1e-8);
    expect(maxAbsDiff(gg!.toArray(), ng)).toBeLessThan(1e-8);
    expect(maxAbsDiff(gb!.toArray(), nb)).toBeLessThan(1e-8);
  });

  it('round-trips its config', () => {
    const config = new BatchNormalization({
      axis: 1,
      momentum: 0.9,
      epsilon: 1e-5,
      center: false,
      name: 'bn',
    }).getConfig();
    expect(config).toEqual({
      name: 'bn',
      axis: 1,
      momentum: 0.9,
      epsilon: 1e-5,
      center: false,
      scale: true,
      dtype: 'float32',
    });
    expect(new BatchNormalization(config as never).getConfig()).toEqual(config);
    expect(new BatchNormalization().getConfig()).toEqual({
      axis: -1,
      momentum: 0.99,
      epsilon: 1e-3,
      center: true,
      scale: true,
      dtype: 'float32',
    });
  });

  it('refuses bad options, the batch axis and wrong input shapes', () => {
    expect(() => new BatchNormalization({ momentum: 1.5 })).toThrow(/BatchNormalization.momentum/);
    expect(() => new BatchNormalization({ epsilon: 0 })).toThrow(/BatchNormalization.epsilon/);
    expect(() => new BatchNormalization({ axis: 0.5 })).toThrow(/BatchNormalization.axis/);
    expect(() => new BatchNormalization({ beta: 1 } as never)).toThrow(/unknown field 'beta'/);
    const zero = new BatchNormalization({ axis: 0 });
    zero.setName('bn');
    expect(() => zero.build([3])).toThrow(/axis 0 is not a feature axis.*axis 0 is the batch/);
    expect(() => new BatchNormalization({ axis: 2 }).computeOutputShape([3])).toThrow(
      /layer 'BatchNormalization'.axis: axis 2 is not a feature axis of inputs \[batch, 3\]/,
    );
    const far = new BatchNormalization({ axis: -3 });
    far.setName('bn');
    expect(() => far.build([3])).toThrow(/axis -3 is not a feature axis/);
    const layer = layerFor(1, [C, 2, 2]);
    expect(() => layer.call(f64(x4, [4, C * 4]), weights, INFERENCE)).toThrow(
      /layer 'bn': expected inputs \[batch, 3, 2, 2\], got \[4, 12\]/,
    );
  });
});
