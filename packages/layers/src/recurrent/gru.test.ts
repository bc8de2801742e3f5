import { grad, Tensor } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { gruFromTorch } from './gates.ts';
import { GRU } from './gru.ts';
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

describe('GRU', () => {
  const shape = [3, 5, 2] as const;
  const units = 4;
  const c: TorchCaseWeights = torchCase('gru', shape, units, 21);
  let expected: { sequence: number[]; last: number[] }[] = [];
  beforeAll(() => {
    expected = torchRnn([c.raw, { ...c.raw, goBackwards: true }, { ...c.raw, bias: null }]);
  }, 120_000); // importing torch can take seconds on a loaded machine

  for (const returnSequences of [false, true]) {
    for (const goBackwards of [false, true]) {
      it(`matches torch.nn.GRU (float64) through gruFromTorch: returnSequences=${returnSequences} goBackwards=${goBackwards}`, () => {
        const layer = new GRU({ units, returnSequences, goBackwards, dtype: 'float64' });
        layer.setName('gru');
        layer.build([shape[1], shape[2]]);
        const y = layer.call(f64(c.x, [...shape]), layerWeights(gruFromTorch(c.torch)), INFERENCE);
        const torch = expected[goBackwards ? 1 : 0]!;
        expect(y.shape).toEqual(returnSequences ? [3, 5, units] : [3, units]);
        expect(maxAbsDiff(y.toArray(), returnSequences ? torch.sequence : torch.last)).toBeLessThan(1e-13);
      });
    }
  }

  it('without bias matches torch with bias=False', () => {
    const layer = new GRU({ units, useBias: false, dtype: 'float64' });
    layer.setName('gru');
    expect(layer.build([5, 2]).map((w) => w.name)).toEqual(['kernel', 'recurrentKernel']);
    const { bias: _unused, ...noBias } = gruFromTorch(c.torch);
    const y = layer.call(f64(c.x, [...shape]), layerWeights(noBias), INFERENCE);
    expect(maxAbsDiff(y.toArray(), expected[2]!.last)).toBeLessThan(1e-13);
  });

  it('declares bias [2, 3u] with resetAfter and [3u] without', () => {
    const after = new GRU({ units: 2 });
    after.setName('g');
    expect(after.build([4, 3]).map((w) => [w.name, w.shape])).toEqual([
      ['kernel', [3, 6]],
      ['recurrentKernel', [2, 6]],
      ['bias', [2, 6]],
    ]);
    const before = new GRU({ units: 2, resetAfter: false });
    before.setName('g');
    expect(before.build([4, 3])[2]!.shape).toEqual([6]);
  });

  it('resetAfter=false applies the reset gate to h before Uh (hand computed, one step)', () => {
    // units 1, one feature, one step from h0 = 0: r·h0 = 0 so h̃ = tanh(x·Wh + bh) and
    // h1 = (1 − z)·h̃ with z = σ(x·Wz + bz). Then a second step exercises r·h.
    const layer = new GRU({ units: 1, resetAfter: false, returnSequences: true, dtype: 'float64' });
    layer.setName('g');
    layer.build([2, 1]);
    const [wz, wr, wh] = [0.5, -0.3, 0.8];
    const [uz, ur, uh] = [0.2, 0.7, -0.6];
    const [bz, br, bh] = [0.1, 0.2, -0.1];
    const xs = [1.5, -0.5];
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    let h = 0;
    const hs: number[] = [];
    for (const x of xs) {
      const z = s(x * wz + h * uz + bz);
      const r = s(x * wr + h * ur + br);
      const cand = Math.tanh(x * wh + r * h * uh + bh);
      h = z * h + (1 - z) * cand;
      hs.push(h);
    }
    const y = layer.call(
      f64(xs, [1, 2, 1]),
      {
        kernel: f64([wz, wr, wh], [1, 3]),
        recurrentKernel: f64([uz, ur, uh], [1, 3]),
        bias: f64([bz, br, bh], [3]),
      },
      INFERENCE,
    );
    expect(maxAbsDiff(y.toArray(), hs)).toBeLessThan(1e-15);
  });

  for (const resetAfter of [true, false]) {
    it(`gradients match float64 central differences (resetAfter=${resetAfter})`, () => {
      const layer = new GRU({ units: 3, resetAfter, returnSequences: true, dtype: 'float64' });
      layer.setName('gru');
      layer.build([3, 2]);
      const shapes: Record<string, number[]> = {
        kernel: [2, 9],
        recurrentKernel: [3, 9],
        bias: resetAfter ? [2, 9] : [9],
      };
      const values: Record<string, number[]> = {
        kernel: testValues(18, 31, 0.6),
        recurrentKernel: testValues(27, 32, 0.6),
        bias: testValues(resetAfter ? 18 : 9, 33, 0.3),
      };
      const tensors = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, f64(v, shapes[k]!)]));
      const xs = testValues(12, 34);
      const x = f64(xs, [2, 3, 2]);
      const coeffs = f64(testValues(18, 35), [2, 3, 3]);
      const loss = (xt: Tensor, w: Record<string, Tensor>) => layer.call(xt, w, INFERENCE).mul(coeffs).sum();
      const names = Object.keys(values);
      const grads = grad(loss(x, tensors), [x, ...names.map((n) => tensors[n]!)]);
      const gx = numericGrad((v) => loss(f64(v, [2, 3, 2]), tensors).item(), xs);
      expect(maxAbsDiff(grads[0]!.toArray(), gx)).toBeLessThan(1e-8);
      names.forEach((name, k) => {
        const numeric = numericGrad(
          (v) => loss(x, { ...tensors, [name]: f64(v, shapes[name]!) }).item(),
          values[name]!,
        );
        expect(maxAbsDiff(grads[k + 1]!.toArray(), numeric)).toBeLessThan(1e-8);
      });
    });
  }

  it('round-trips its config', () => {
    const layer = new GRU({ units: 4, resetAfter: false, goBackwards: true, name: 'dec', dtype: 'float64' });
    const config = layer.getConfig();
    expect(config).toEqual({
      name: 'dec',
      units: 4,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      useBias: true,
      returnSequences: false,
      goBackwards: true,
      resetAfter: false,
      dtype: 'float64',
    });
    expect(new GRU(config as never).getConfig()).toEqual(config);
  });

  it('refuses bad options and inputs', () => {
    expect(() => new GRU({ units: 2.5 })).toThrow(/GRU.units/);
    expect(() => new GRU({ units: 2, resetAfter: 'yes' } as never)).toThrow(/GRU.resetAfter/);
    expect(() => new GRU({ units: 2, dtype: 'int32' } as never)).toThrow(/GRU.dtype/);
    const layer = new GRU({ units: 2 });
    layer.setName('g');
    expect(() => layer.build([2, 3, 4])).toThrow(/\[batch, time, features\]/);
  });
});
