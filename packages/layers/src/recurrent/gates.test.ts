import { Tensor } from '@reptile/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import {
  GRU_GATES,
  gruFromOnnx,
  gruFromTorch,
  gruToOnnx,
  gruToTorch,
  type KerasRecurrentWeights,
  LSTM_GATES,
  lstmFromOnnx,
  lstmFromTorch,
  lstmToOnnx,
  lstmToTorch,
  reorderGates,
} from './gates.ts';
import { GRU } from './gru.ts';
import { LSTM } from './lstm.ts';
import { layerWeights, maxAbsDiff, runPython, testValues, torchCase } from './testing.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

/**
 * The ONNX reference evaluator (onnx.reference, the spec's executable form) running one
 * LSTM/GRU node in float64. X is [time, batch, features] (layout 0); Y is [time, 1, batch, u].
 */
const ONNX_RNN = `
import sys, json, numpy as np
from onnx import helper, TensorProto
from onnx.reference import ReferenceEvaluator
out = []
for d in json.load(sys.stdin):
    T, B, F = d['xShape']; u = d['units']; g = 4 if d['op'] == 'LSTM' else 3
    attrs = {'hidden_size': u}
    if d['op'] == 'GRU': attrs['linear_before_reset'] = d['linearBeforeReset']
    node = helper.make_node(d['op'], ['X', 'W', 'R', 'B'], ['Y'], **attrs)
    D = TensorProto.DOUBLE
    graph = helper.make_graph([node], 'g', [
        helper.make_tensor_value_info('X', D, [T, B, F]),
        helper.make_tensor_value_info('W', D, [1, g * u, F]),
        helper.make_tensor_value_info('R', D, [1, g * u, u]),
        helper.make_tensor_value_info('B', D, [1, 2 * g * u])],
        [helper.make_tensor_value_info('Y', D, None)])
    ev = ReferenceEvaluator(helper.make_model(graph))
    a = lambda k, s: np.array(d[k], dtype=np.float64).reshape(s)
    (y,) = ev.run(None, {'X': a('x', [T, B, F]), 'W': a('W', [1, g * u, F]),
                         'R': a('R', [1, g * u, u]), 'B': a('B', [1, 2 * g * u])})
    out.append(y.reshape(T, B, u).transpose(1, 0, 2).flatten().tolist())
print(json.dumps(out))
`;

interface OnnxCase {
  op: 'LSTM' | 'GRU';
  linearBeforeReset?: number;
  xShape: [number, number, number];
  units: number;
  x: number[];
  W: number[];
  R: number[];
  B: number[];
}

const [T, B, F, U] = [4, 2, 3, 3];
const xBatchFirst = testValues(B * T * F, 41);
// ONNX wants time first: X[t, b, f] = x[b, t, f].
const xTimeFirst = Array.from({ length: T * B * F }, (_, i) => {
  const t = Math.floor(i / (B * F));
  const b = Math.floor(i / F) % B;
  return xBatchFirst[(b * T + t) * F + (i % F)]!;
});

function onnxCase(op: 'LSTM' | 'GRU', seed: number, linearBeforeReset?: number): OnnxCase {
  const g = op === 'LSTM' ? 4 : 3;
  return {
    op,
    ...(linearBeforeReset === undefined ? {} : { linearBeforeReset }),
    xShape: [T, B, F],
    units: U,
    x: xTimeFirst,
    W: testValues(g * U * F, seed, 0.7),
    R: testValues(g * U * U, seed + 1, 0.7),
    B: testValues(2 * g * U, seed + 2, 0.5),
  };
}

const onnxTensors = (c: OnnxCase) => {
  const g = c.op === 'LSTM' ? 4 : 3;
  return { W: f64(c.W, [1, g * U, F]), R: f64(c.R, [1, g * U, U]), B: f64(c.B, [1, 2 * g * U]) };
};

function runLayer(layer: LSTM | GRU, w: KerasRecurrentWeights): number[] {
  layer.setName('rnn');
  layer.build([T, F]);
  return layer.call(f64(xBatchFirst, [B, T, F]), layerWeights(w), INFERENCE).toArray();
}

const same = (a: Tensor, b: Tensor) => {
  expect(a.shape).toEqual(b.shape);
  expect(a.toArray()).toEqual(b.toArray());
};

describe('reorderGates', () => {
  it('moves whole gate blocks along an axis', () => {
    const t = f64([1, 1, 2, 2, 3, 3], [1, 6]);
    expect(reorderGates(t, 1, 'abc', 'cab').toArray()).toEqual([3, 3, 1, 1, 2, 2]);
    // LSTM ONNX i, o, f, c → Keras i, f, c, o with one unit per gate
    expect(reorderGates(f64([10, 20, 30, 40], [4]), 0, LSTM_GATES.onnx, LSTM_GATES.keras).toArray()).toEqual([
      10, 30, 40, 20,
    ]);
    // GRU torch r, z, n → Keras z, r, h
    expect(reorderGates(f64([1, 2, 3], [3]), 0, GRU_GATES.torch, GRU_GATES.keras).toArray()).toEqual([
      2, 1, 3,
    ]);
  });

  it('reordering to any gate order and back is the identity, and moves block k to where its letter goes (fast-check)', () => {
    const orders = fc.shuffledSubarray([...'ifco'], { minLength: 4, maxLength: 4 }).map((a) => a.join(''));
    fc.assert(
      fc.property(
        orders,
        orders,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (from, to, u, rows) => {
          const values = Array.from({ length: rows * 4 * u }, (_, i) => i);
          const t = f64(values, [rows, 4 * u]);
          const moved = reorderGates(t, 1, from, to);
          expect(reorderGates(moved, -1, to, from).toArray()).toEqual(values);
          const out = moved.toArray();
          for (let r = 0; r < rows; r++)
            for (let k = 0; k < 4; k++)
              for (let j = 0; j < u; j++)
                expect(out[r * 4 * u + to.indexOf(from[k]!) * u + j]).toBe(values[r * 4 * u + k * u + j]);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses sizes that are not whole gate blocks', () => {
    expect(() => reorderGates(f64([1, 2, 3, 4], [4]), 0, 'zrh', 'rzh')).toThrow(
      /reorderGates.*3 equal gate blocks/,
    );
  });
});

describe('PyTorch conversions', () => {
  it('LSTM: Keras → torch → Keras is exact, and torch b_ih + b_hh folds into one bias', () => {
    const c = torchCase('lstm', [1, 1, 3], 2, 51);
    const keras = lstmFromTorch(c.torch);
    same(keras.kernel, c.torch.weightIh.transpose([1, 0]));
    same(keras.bias!, c.torch.biasIh!.add(c.torch.biasHh!));
    const torch = lstmToTorch(keras);
    same(torch.biasHh!, Tensor.zeros([8], 'float64'));
    const back = lstmFromTorch(torch);
    same(back.kernel, keras.kernel);
    same(back.recurrentKernel, keras.recurrentKernel);
    same(back.bias!, keras.bias!);
  });

  it('GRU: torch r, z, n ↔ Keras z, r, h, biases as the two rows of [2, 3u]', () => {
    // One unit, one feature: weight_ih rows are [r, z, n] = [1, 2, 3].
    const keras = gruFromTorch({
      weightIh: f64([1, 2, 3], [3, 1]),
      weightHh: f64([4, 5, 6], [3, 1]),
      biasIh: f64([7, 8, 9], [3]),
      biasHh: f64([10, 11, 12], [3]),
    });
    expect(keras.kernel.toArray()).toEqual([2, 1, 3]);
    expect(keras.recurrentKernel.toArray()).toEqual([5, 4, 6]);
    expect(keras.bias!.shape).toEqual([2, 3]);
    expect(keras.bias!.toArray()).toEqual([8, 7, 9, 11, 10, 12]);
    const torch = gruToTorch(keras, true);
    expect(torch.weightIh.toArray()).toEqual([1, 2, 3]);
    expect(torch.biasHh!.toArray()).toEqual([10, 11, 12]);
    expect(() => gruToTorch(keras, false)).toThrow(/resetAfter = false has no PyTorch equivalent/);
  });
});

describe('ONNX conversions (oracle: onnx.reference.ReferenceEvaluator, float64)', () => {
  const lstm = onnxCase('LSTM', 61);
  const gruAfter = onnxCase('GRU', 71, 1);
  const gruBefore = onnxCase('GRU', 81, 0);
  let expected: number[][] = [];
  beforeAll(() => {
    expected = runPython(ONNX_RNN, [lstm, gruAfter, gruBefore]) as number[][];
  }, 120_000);

  it('LSTM: lstmFromOnnx (i, o, f, c; B = [Wb, Rb] summed) reproduces the ONNX node', () => {
    const y = runLayer(
      new LSTM({ units: U, returnSequences: true, dtype: 'float64' }),
      lstmFromOnnx(onnxTensors(lstm)),
    );
    expect(maxAbsDiff(y, expected[0]!)).toBeLessThan(1e-13);
  });

  it('GRU linear_before_reset=1 is resetAfter=true', () => {
    const { weights, resetAfter } = gruFromOnnx(onnxTensors(gruAfter), 1);
    expect(resetAfter).toBe(true);
    const y = runLayer(new GRU({ units: U, returnSequences: true, dtype: 'float64' }), weights);
    expect(maxAbsDiff(y, expected[1]!)).toBeLessThan(1e-13);
  });

  it('GRU linear_before_reset=0 is resetAfter=false with bias Wb + Rb', () => {
    const { weights, resetAfter } = gruFromOnnx(onnxTensors(gruBefore), 0);
    expect(resetAfter).toBe(false);
    expect(weights.bias!.shape).toEqual([3 * U]);
    const y = runLayer(
      new GRU({ units: U, resetAfter: false, returnSequences: true, dtype: 'float64' }),
      weights,
    );
    expect(maxAbsDiff(y, expected[2]!)).toBeLessThan(1e-13);
  });

  it('Keras → ONNX → Keras is exact (LSTM, GRU both reset modes)', () => {
    const k = lstmFromOnnx(onnxTensors(lstm));
    const onnx = lstmToOnnx(k);
    expect(onnx.W.shape).toEqual([1, 4 * U, F]);
    const back = lstmFromOnnx(onnx);
    same(back.kernel, k.kernel);
    same(back.recurrentKernel, k.recurrentKernel);
    same(back.bias!, k.bias!);
    for (const [c, lbr] of [
      [gruAfter, 1],
      [gruBefore, 0],
    ] as const) {
      const { weights, resetAfter } = gruFromOnnx(onnxTensors(c), lbr);
      const out = gruToOnnx(weights, resetAfter);
      expect(out.linearBeforeReset).toBe(lbr);
      expect(out.B!.shape).toEqual([1, 6 * U]);
      const again = gruFromOnnx(out, out.linearBeforeReset);
      same(again.weights.kernel, weights.kernel);
      same(again.weights.bias!, weights.bias!);
    }
  });

  it('refuses bidirectional ONNX weights', () => {
    const two = { W: Tensor.zeros([2, 12, F], 'float64'), R: Tensor.zeros([2, 12, U], 'float64') };
    expect(() => lstmFromOnnx(two)).toThrow(/lstmFromOnnx.W: has 2 directions/);
  });
});
