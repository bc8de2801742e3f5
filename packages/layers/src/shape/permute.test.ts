import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { SHAPE_LAYERS } from './index.ts';
import { Permute } from './permute.ts';

const iota = (shape: number[]) =>
  Tensor.fromData(
    Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => i),
    shape,
    'float64',
  );

describe('Permute', () => {
  it('swaps per-sample axes with 1-based dims and leaves the batch axis first', () => {
    // batch of 2 samples, each [[0, 1, 2], [3, 4, 5]] (+6 for the second): dims [2, 1] transposes each
    const y = new Permute({ dims: [2, 1] }).call(iota([2, 2, 3]), {}, INFERENCE);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(y.toArray()).toEqual([0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]);
  });

  it('moves channels first to last like an NCHW → NHWC conversion', () => {
    const layer = new Permute({ dims: [2, 3, 1] });
    expect(layer.computeOutputShape([3, 4, 5])).toEqual([4, 5, 3]);
    // sample element [c, h, w] lands at [h, w, c]
    const y = layer.call(iota([1, 3, 2, 2]), {}, INFERENCE).toArray();
    expect(y).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });

  it('round-trips its config and refuses bad dims', () => {
    const config = new Permute({ dims: [3, 1, 2], name: 'p' }).getConfig();
    expect(SHAPE_LAYERS.Permute!(JSON.parse(JSON.stringify(config))).getConfig()).toEqual({
      name: 'p',
      dims: [3, 1, 2],
    });
    expect(() => new Permute({ dims: [0, 1] })).toThrow(/Permute.dims\[0\]/);
    expect(() => new Permute({ dims: [1, 3] })).toThrow(/Permute.dims\[1\]/);
    expect(() => new Permute({ dims: [1, 1] })).toThrow(/Permute.dims.*repeats an axis.*1-based/);
    expect(() => new Permute({ dims: [] })).toThrow(/Permute.dims/);
    const layer = new Permute({ dims: [2, 1], name: 'p' });
    expect(() => layer.computeOutputShape([2, 3, 4])).toThrow(/layer 'p'.*samples have 3/);
  });
});
