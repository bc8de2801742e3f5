import { grad, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from './global-pool2d.ts';
import { CONV_LAYERS } from './index.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

describe('GlobalAveragePooling2D and GlobalMaxPooling2D', () => {
  // one NHWC image 2×2 with channels (c0, c1) = (v, 10·v) at v = 1, 2, 3, 4
  const nhwc = f64([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
  const nchw = f64([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2]);

  it('reduce every spatial cell per channel in both data formats', () => {
    expect(new GlobalAveragePooling2D().call(nhwc, {}, INFERENCE).toArray()).toEqual([2.5, 25]);
    expect(new GlobalMaxPooling2D().call(nhwc, {}, INFERENCE).toArray()).toEqual([4, 40]);
    const first = { dataFormat: 'channelsFirst' } as const;
    expect(new GlobalAveragePooling2D(first).call(nchw, {}, INFERENCE).toArray()).toEqual([2.5, 25]);
    expect(new GlobalMaxPooling2D(first).call(nchw, {}, INFERENCE).toArray()).toEqual([4, 40]);
    expect(new GlobalMaxPooling2D(first).computeOutputShape([2, 5, 7])).toEqual([2]);
    expect(new GlobalMaxPooling2D().computeOutputShape([5, 7, 3])).toEqual([3]);
  });

  it('spread the average gradient evenly and route the max gradient to the winner', () => {
    const [gAvg] = grad(new GlobalAveragePooling2D().call(nhwc, {}, INFERENCE).sum(), [nhwc]);
    expect(gAvg!.toArray()).toEqual(new Array(8).fill(0.25));
    const [gMax] = grad(new GlobalMaxPooling2D().call(nhwc, {}, INFERENCE).sum(), [nhwc]);
    expect(gMax!.toArray()).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
  });

  it('round-trip configs and refuse bad inputs', () => {
    const layer = CONV_LAYERS.GlobalAveragePooling2D!({ name: 'gap', dataFormat: 'channelsFirst' });
    expect(layer.getConfig()).toEqual({ name: 'gap', dataFormat: 'channelsFirst' });
    expect(CONV_LAYERS.GlobalMaxPooling2D!({}).getConfig()).toEqual({ dataFormat: 'channelsLast' });
    expect(() => new GlobalMaxPooling2D({ dataFormat: 'x' as never })).toThrow(
      /GlobalMaxPooling2D.dataFormat/,
    );
    expect(() => layer.computeOutputShape([4, 4])).toThrow(/layer 'gap'.*rank 3/);
  });
});
