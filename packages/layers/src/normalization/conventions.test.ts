import { Tensor } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../layer.ts';
import { maxAbsDiff, runPython, testValues } from '../recurrent/testing.ts';
import { BatchNormalization } from './batch-normalization.ts';
import {
  biasedFromUnbiasedVariance,
  kerasMomentumFromOnnx,
  kerasMomentumFromTorch,
  onnxMomentumFromKeras,
  torchMomentumFromKeras,
  unbiasedFromBiasedVariance,
} from './conventions.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

/**
 * One training step of BatchNorm in the originating frameworks, float64, channel axis 1:
 * torch.nn.functional.batch_norm (running stats updated in place) and the ONNX reference
 * evaluator's BatchNormalization with training_mode=1 (running stats as outputs 1 and 2).
 */
const ORACLES = `
import sys, json, numpy as np, torch
from onnx import helper, TensorProto
from onnx.reference import ReferenceEvaluator
d = json.load(sys.stdin)
x = np.array(d['x']).reshape(d['shape'])
mean, var = np.array(d['mean']), np.array(d['var'])
rm, rv = torch.tensor(mean), torch.tensor(var)
torch.nn.functional.batch_norm(torch.tensor(x), rm, rv, training=True, momentum=d['torchMomentum'], eps=1e-3)
D = TensorProto.DOUBLE
node = helper.make_node('BatchNormalization', ['X', 's', 'b', 'm', 'v'], ['Y', 'rm', 'rv'],
                        epsilon=1e-3, momentum=d['onnxMomentum'], training_mode=1)
C = d['shape'][1]
graph = helper.make_graph([node], 'g',
    [helper.make_tensor_value_info(n, D, s) for n, s in [('X', d['shape']), ('s', [C]), ('b', [C]), ('m', [C]), ('v', [C])]],
    [helper.make_tensor_value_info(n, D, None) for n in ['Y', 'rm', 'rv']])
_, orm, orv = ReferenceEvaluator(helper.make_model(graph)).run(None, {'X': x, 's': np.ones(C), 'b': np.zeros(C), 'm': mean, 'v': var})
print(json.dumps({'torch': [rm.tolist(), rv.tolist()], 'onnx': [orm.tolist(), orv.tolist()]}))
`;

const shape = [5, 2, 3];
const x = testValues(30, 7, 2).map((v, i) => v + (i % 4));
const mean = [0.5, -1];
const variance = [2, 0.25];
const count = 5 * 3; // values per channel

function kerasStep(momentum: number): { mean: number[]; variance: number[] } {
  const layer = new BatchNormalization({ axis: 1, momentum, dtype: 'float64' });
  layer.setName('bn');
  layer.build([2, 3]);
  const updates = new Map<string, Tensor>();
  const ctx: CallContext = { training: true, uniform: () => Tensor.scalar(0), updates };
  layer.call(
    f64(x, shape),
    {
      gamma: f64([1, 1], [2]),
      beta: f64([0, 0], [2]),
      movingMean: f64(mean, [2]),
      movingVariance: f64(variance, [2]),
    },
    ctx,
  );
  return {
    mean: updates.get('bn/movingMean')!.toArray(),
    variance: updates.get('bn/movingVariance')!.toArray(),
  };
}

describe('BatchNorm conventions', () => {
  let oracle: { torch: number[][]; onnx: number[][] };
  beforeAll(() => {
    oracle = runPython(ORACLES, {
      shape,
      x,
      mean,
      var: variance,
      torchMomentum: 0.1,
      onnxMomentum: 0.9,
    }) as typeof oracle;
  }, 120_000);

  it('momentum conversions: torch p ↔ Keras 1 − p, ONNX = Keras', () => {
    expect(kerasMomentumFromTorch(0.1)).toBeCloseTo(0.9, 15);
    expect(torchMomentumFromKeras(0.99)).toBeCloseTo(0.01, 15);
    expect(kerasMomentumFromOnnx(0.9)).toBe(0.9);
    expect(onnxMomentumFromKeras(0.99)).toBe(0.99);
    expect(() => kerasMomentumFromTorch(-0.1)).toThrow(/torch BatchNorm momentum/);
  });

  it('Keras momentum from torch reproduces torch’s running mean; its variance differs by Bessel’s correction', () => {
    const keras = kerasStep(kerasMomentumFromTorch(0.1));
    const [torchMean, torchVar] = oracle.torch as [number[], number[]];
    expect(maxAbsDiff(keras.mean, torchMean)).toBeLessThan(1e-14);
    // Recover the biased batch variance from the Keras update, correct it, and redo torch's update.
    const m = 0.9;
    const biased = keras.variance.map((v, c) => (v - m * variance[c]!) / (1 - m));
    const torchLike = biased.map((b, c) => m * variance[c]! + (1 - m) * unbiasedFromBiasedVariance(b, count));
    expect(maxAbsDiff(torchLike, torchVar)).toBeLessThan(1e-13);
    // ... and without the correction the two differ measurably.
    expect(maxAbsDiff(keras.variance, torchVar)).toBeGreaterThan(1e-3);
  });

  it('ONNX training-mode BatchNormalization updates like Keras with the same momentum (biased variance)', () => {
    // ONNX float attributes are float32: the node's momentum is fround(0.9), not 0.9.
    const keras = kerasStep(kerasMomentumFromOnnx(Math.fround(0.9)));
    const [onnxMean, onnxVar] = oracle.onnx as [number[], number[]];
    expect(maxAbsDiff(keras.mean, onnxMean)).toBeLessThan(1e-14);
    expect(maxAbsDiff(keras.variance, onnxVar)).toBeLessThan(1e-13);
  });

  it('biased ↔ unbiased variance: factor n/(n − 1), defined for n ≥ 2', () => {
    // 1, 3: biased variance 1, unbiased 2
    expect(unbiasedFromBiasedVariance(1, 2)).toBe(2);
    expect(biasedFromUnbiasedVariance(2, 2)).toBe(1);
    expect(biasedFromUnbiasedVariance(unbiasedFromBiasedVariance(0.7, 9), 9)).toBeCloseTo(0.7, 15);
    expect(() => unbiasedFromBiasedVariance(1, 1)).toThrow(/unbiasedFromBiasedVariance: needs at least 2/);
  });
});
