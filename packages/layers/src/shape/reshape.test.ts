import { grad, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { SHAPE_LAYERS } from './index.ts';
import { Reshape } from './reshape.ts';

const iota = (shape: number[]) =>
  Tensor.fromData(
    Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => i),
    shape,
    'float64',
  );

describe('Reshape', () => {
  it('reshapes each sample in row-major order and keeps the batch axis', () => {
    const x = iota([2, 6]);
    const y = new Reshape({ targetShape: [3, 2] }).call(x, {}, INFERENCE);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(y.toArray()).toEqual(x.toArray());
  });

  it('infers one -1 entry from the sample size', () => {
    const layer = new Reshape({ targetShape: [-1, 4] });
    expect(layer.computeOutputShape([2, 3, 4])).toEqual([6, 4]);
    expect(layer.call(iota([3, 2, 3, 4]), {}, INFERENCE).shape).toEqual([3, 6, 4]);
  });

  it('passes gradients straight through', () => {
    const x = iota([2, 4]);
    const [g] = grad(
      new Reshape({ targetShape: [2, 2] })
        .call(x, {}, INFERENCE)
        .mul(iota([2, 2, 2]))
        .sum(),
      [x],
    );
    // d/dx Σ reshape(x) ⊙ c is c read back in x's layout: the same row-major values 0..7
    expect(g!.shape).toEqual([2, 4]);
    expect(g!.toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('round-trips its config through the registry', () => {
    const config = new Reshape({ targetShape: [7, -1, 2], name: 'r' }).getConfig();
    expect(config).toEqual({ name: 'r', targetShape: [7, -1, 2] });
    expect(SHAPE_LAYERS.Reshape!(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(config);
  });

  it('refuses bad target shapes with a clear message', () => {
    expect(() => new Reshape({ targetShape: [-1, -1] })).toThrow(
      /Reshape.targetShape.*at most one entry may be -1/,
    );
    expect(() => new Reshape({ targetShape: [2, 0] })).toThrow(/Reshape.targetShape\[1\]/);
    expect(() => new Reshape({ targetShape: 4 as never })).toThrow(/Reshape.targetShape/);
    const layer = new Reshape({ targetShape: [4, 2], name: 'r' });
    expect(() => layer.computeOutputShape([3, 3])).toThrow(
      /layer 'r'.*sample of shape \[3,3\] \(9 values\) to \[4,2\].*exactly as many values/,
    );
    expect(() => new Reshape({ targetShape: [-1, 2] }).computeOutputShape([3, 3])).toThrow(/9 values/);
  });
});
