import { grad, Tensor } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Embedding } from '../embedding.ts';
import { Sequential } from '../sequential.ts';
import { lstmFromTorch } from './gates.ts';
import { LSTM } from './lstm.ts';
import {
  layerWeights,
  maxAbsDiff,
  numericGrad,
  type TorchCaseWeights,
  testValues,
  torchCase,
  torchRnn,
} from './testing.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

describe('LSTM', () => {
  const shape = [2, 4, 3] as const;
  const units = 5;
  const c: TorchCaseWeights = torchCase('lstm', shape, units, 11);
  // torch runs once for all cases: [forward, backwards, forward without bias].
  let expected: { sequence: number[]; last: number[] }[] = [];
  beforeAll(() => {
    expected = torchRnn([c.raw, { ...c.raw, goBackwards: true }, { ...c.raw, bias: null }]);
  }, 120_000); // importing torch can take seconds on a loaded machine

  for (const returnSequences of [false, true]) {
    for (const goBackwards of [false, true]) {
      it(`matches torch.nn.LSTM (float64) through lstmFromTorch: returnSequences=${returnSequences} goBackwards=${goBackwards}`, () => {
        const layer = new LSTM({ units, returnSequences, goBackwards, dtype: 'float64' });
        layer.setName('lstm');
        layer.build([shape[1], shape[2]]);
        const y = layer.call(f64(c.x, [...shape]), layerWeights(lstmFromTorch(c.torch)), INFERENCE);
        const torch = expected[goBackwards ? 1 : 0]!;
        expect(y.shape).toEqual(returnSequences ? [2, 4, units] : [2, units]);
        expect(maxAbsDiff(y.toArray(), returnSequences ? torch.sequence : torch.last)).toBeLessThan(1e-13);
      });
    }
  }

  it('without bias matches torch with bias=False', () => {
    const layer = new LSTM({ units, useBias: false, dtype: 'float64' });
    layer.setName('lstm');
    expect(layer.build([4, 3]).map((w) => w.name)).toEqual(['kernel', 'recurrentKernel']);
    const { bias: _unused, ...noBias } = lstmFromTorch(c.torch);
    const y = layer.call(f64(c.x, [...shape]), layerWeights(noBias), INFERENCE);
    expect(maxAbsDiff(y.toArray(), expected[2]!.last)).toBeLessThan(1e-13);
  });

  it('declares Keras weight shapes [in, 4u], [u, 4u], [4u]', () => {
    const layer = new LSTM({ units: 2 });
    layer.setName('l');
    expect(layer.build([7, 3]).map((w) => [w.name, w.shape])).toEqual([
      ['kernel', [3, 8]],
      ['recurrentKernel', [2, 8]],
      ['bias', [8]],
    ]);
    expect(layer.computeOutputShape([7, 3])).toEqual([2]);
    expect(new LSTM({ units: 2, returnSequences: true }).computeOutputShape([7, 3])).toEqual([7, 2]);
  });

  it('gradients match float64 central differences (weights and inputs, goBackwards)', () => {
    const layer = new LSTM({ units: 3, returnSequences: true, goBackwards: true, dtype: 'float64' });
    layer.setName('lstm');
    layer.build([3, 2]);
    const xs = testValues(2 * 3 * 2, 5);
    const values = {
      kernel: testValues(2 * 12, 6, 0.6),
      recurrentKernel: testValues(3 * 12, 7, 0.6),
      bias: testValues(12, 8, 0.3),
    };
    const shapes = { kernel: [2, 12], recurrentKernel: [3, 12], bias: [12] };
    const coeffs = f64(testValues(2 * 3 * 3, 9), [2, 3, 3]);
    const loss = (x: Tensor, w: Record<string, Tensor>) => layer.call(x, w, INFERENCE).mul(coeffs).sum();
    const tensors = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, f64(v, shapes[k as keyof typeof shapes])]),
    );
    const x = f64(xs, [2, 3, 2]);
    const names = Object.keys(values) as (keyof typeof values)[];
    const grads = grad(loss(x, tensors), [x, ...names.map((n) => tensors[n]!)]);
    const gx = numericGrad((v) => loss(f64(v, [2, 3, 2]), tensors).item(), xs);
    expect(maxAbsDiff(grads[0]!.toArray(), gx)).toBeLessThan(1e-8);
    names.forEach((name, k) => {
      const numeric = numericGrad(
        (v) => loss(x, { ...tensors, [name]: f64(v, shapes[name]) }).item(),
        values[name],
      );
      expect(maxAbsDiff(grads[k + 1]!.toArray(), numeric)).toBeLessThan(1e-8);
    });
  });

  it('runs in a Sequential after an Embedding (token ids → vectors → last state → logits)', () => {
    const model = new Sequential([
      new Embedding({ inputDim: 10, outputDim: 4, dtype: 'float64' }),
      new LSTM({ units: 3, returnSequences: true, dtype: 'float64' }),
      new LSTM({ units: 2, goBackwards: true, dtype: 'float64' }),
      new Dense({ units: 5, dtype: 'float64' }),
    ]);
    model.build([6]);
    expect(model.outputShape).toEqual([5]);
    expect(model.weights.map((w) => w.path)).toEqual([
      'embedding_1/embeddings',
      'lstm_1/kernel',
      'lstm_1/recurrentKernel',
      'lstm_1/bias',
      'lstm_2/kernel',
      'lstm_2/recurrentKernel',
      'lstm_2/bias',
      'dense_1/kernel',
      'dense_1/bias',
    ]);
    const tokens = Tensor.fromData([1, 2, 3, 4, 5, 6, 9, 8, 7, 0, 0, 0], [2, 6], 'int32');
    const y = model.apply(model.initWeights(3), tokens, INFERENCE);
    expect(y.shape).toEqual([2, 5]);
    expect(y.toArray().every(Number.isFinite)).toBe(true);
  });

  it('round-trips its config', () => {
    const layer = new LSTM({
      units: 4,
      activation: 'relu',
      returnSequences: true,
      goBackwards: true,
      name: 'enc',
    });
    const config = layer.getConfig();
    expect(config).toEqual({
      name: 'enc',
      units: 4,
      activation: 'relu',
      recurrentActivation: 'sigmoid',
      useBias: true,
      returnSequences: true,
      goBackwards: true,
      dtype: 'float32',
    });
    expect(new LSTM(config as never).getConfig()).toEqual(config);
  });

  it('refuses bad options and inputs with a field path or layer name', () => {
    expect(() => new LSTM({ units: 0 })).toThrow(/LSTM.units/);
    expect(() => new LSTM({ units: 2, resetAfter: true } as never)).toThrow(/unknown field 'resetAfter'/);
    expect(() => new LSTM({ units: 2, goBackwards: 1 } as never)).toThrow(/goBackwards/);
    expect(() => new LSTM({ units: 2, recurrentActivation: 'hardSigmoid' } as never)).toThrow(
      /LSTM.recurrentActivation/,
    );
    const layer = new LSTM({ units: 2 });
    layer.setName('rnn');
    expect(() => layer.build([3])).toThrow(/rnn.*\[batch, time, features\]/);
    const built = new LSTM({ units: 2 });
    built.setName('rnn');
    built.build([3, 1]);
    const w = layerWeights({
      kernel: Tensor.zeros([1, 8]),
      recurrentKernel: Tensor.zeros([2, 8]),
      bias: Tensor.zeros([8]),
    });
    expect(() => built.call(Tensor.zeros([2, 3]), w, INFERENCE)).toThrow(
      /expected inputs \[batch, 3, 1\], got \[2, 3\]/,
    );
    expect(() => built.call(Tensor.zeros([2, 4, 1]), w, INFERENCE)).toThrow(
      /expected inputs \[batch, 3, 1\]/,
    );
  });
});
