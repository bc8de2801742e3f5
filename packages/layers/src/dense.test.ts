import { grad, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from './context.ts';
import { Dense } from './dense.ts';

const f64 = (xs: number[], shape: number[]) => Tensor.fromData(xs, shape, 'float64');

describe('Dense', () => {
  it('computes activation(x·kernel + bias) with a [in, out] kernel', () => {
    const layer = new Dense({ units: 2, activation: 'relu', dtype: 'float64' });
    layer.setName('d');
    expect(layer.build([3]).map((w) => [w.name, w.shape])).toEqual([
      ['kernel', [3, 2]],
      ['bias', [2]],
    ]);
    const x = f64([1, 2, 3, -1, 0, 1], [2, 3]);
    const kernel = f64([1, -1, 0, 1, 2, 0], [3, 2]);
    const bias = f64([0.5, -0.5], [2]);
    // row 0: [1·1 + 2·0 + 3·2, 1·(−1) + 2·1 + 3·0] + b = [7.5, 0.5]
    // row 1: [−1 + 0 + 2, 1 + 0 + 0] + b = [1.5, 0.5]
    expect(layer.call(x, { kernel, bias }, INFERENCE).toArray()).toEqual([7.5, 0.5, 1.5, 0.5]);
    // relu clips: with bias −10 every output is 0
    expect(layer.call(x, { kernel, bias: f64([-10, -10], [2]) }, INFERENCE).toArray()).toEqual([0, 0, 0, 0]);
  });

  it('folds extra axes into rows', () => {
    const layer = new Dense({ units: 1, useBias: false, dtype: 'float64' });
    layer.setName('d');
    layer.build([2, 2]);
    const x = f64([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const y = layer.call(x, { kernel: f64([1, 10], [2, 1]) }, INFERENCE);
    expect(y.shape).toEqual([2, 2, 1]);
    expect(y.toArray()).toEqual([21, 43, 65, 87]);
  });

  it('kernel gradient is xᵀ·g (hand computed)', () => {
    const layer = new Dense({ units: 1, dtype: 'float64' });
    layer.setName('d');
    layer.build([2]);
    const x = f64([1, 2, 3, 4], [2, 2]);
    const kernel = f64([0.5, -0.5], [2, 1]);
    const bias = f64([0], [1]);
    const y = layer.call(x, { kernel, bias }, INFERENCE).sum();
    const [gk, gb] = grad(y, [kernel, bias]);
    expect(gk!.toArray()).toEqual([4, 6]); // column sums of x
    expect(gb!.toArray()).toEqual([2]);
  });

  it('exposes a fusable output activation and its logits', () => {
    const layer = new Dense({ units: 2, activation: 'softmax', dtype: 'float64' });
    layer.setName('d');
    layer.build([1]);
    expect(layer.outputActivation).toBe('softmax');
    const w = { kernel: f64([1, 2], [1, 2]), bias: f64([0, 0], [2]) };
    const x = f64([1], [1, 1]);
    expect(layer.callWithoutOutputActivation(x, w, INFERENCE).toArray()).toEqual([1, 2]);
    const p = layer.call(x, w, INFERENCE).toArray();
    expect(p[1]).toBeCloseTo(Math.E / (Math.E + 1), 14);
    expect(new Dense({ units: 1 }).outputActivation).toBeUndefined();
  });

  it('validates options with field paths', () => {
    expect(() => new Dense({ units: 0 })).toThrow(/Dense.units/);
    expect(() => new Dense({ units: 2, activation: 'nope' as never })).toThrow(/Dense.activation/);
    expect(() => new Dense({ units: 2, kernelRegularizer: { name: 'l3' } })).toThrow(
      /Dense.kernelRegularizer.name/,
    );
    expect(() => new Dense({ units: 2, bogus: 1 } as never)).toThrow(/unknown field 'bogus'/);
  });

  it('carries a regularizer config on the kernel spec', () => {
    const layer = new Dense({ units: 2, kernelRegularizer: { name: 'l2', l2: 0.5 } });
    layer.setName('d');
    const [kernel, bias] = layer.build([3]);
    expect(kernel!.regularizer).toEqual({ name: 'l2', l2: 0.5 });
    expect(bias!.regularizer).toBeUndefined();
  });

  it('refuses to be rebuilt for another input shape', () => {
    const layer = new Dense({ units: 2 });
    layer.setName('d');
    layer.build([3]);
    expect(layer.build([3])).toHaveLength(2);
    expect(() => layer.build([4])).toThrow(/built for inputs \[3\].*got \[4\]/);
  });
});
