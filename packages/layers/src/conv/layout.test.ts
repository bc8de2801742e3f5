import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Flatten } from '../flatten.ts';
import { Conv2D } from './conv2d.ts';
import {
  flattenRowPermutation,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  onnxPads,
  permuteFlattenedDenseKernel,
  samePads,
} from './layout.ts';
import { randomArray } from './testing/naive.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');
const iota = (shape: number[]) =>
  f64(
    Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => i),
    shape,
  );

describe('layout conversions', () => {
  it('NHWC ↔ NCHW move the channel axis and invert each other', () => {
    // [1, 1, 2, 3] NHWC: pixel p has channels (3p, 3p+1, 3p+2)
    const nhwc = iota([1, 1, 2, 3]);
    const nchw = nhwcToNchw(nhwc);
    expect(nchw.shape).toEqual([1, 3, 1, 2]);
    expect(nchw.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(nchwToNhwc(nchw).toArray()).toEqual(nhwc.toArray());
    expect(() => nhwcToNchw(iota([2, 3]))).toThrow(/rank-4 NHWC/);
  });

  it('HWIO ↔ OIHW put element [i, j, c, f] at [f, c, i, j]', () => {
    const hwio = iota([2, 3, 4, 5]);
    const oihw = hwioToOihw(hwio);
    expect(oihw.shape).toEqual([5, 4, 2, 3]);
    const at = (t: Tensor, idx: number[]) => {
      let flat = 0;
      for (let a = 0; a < idx.length; a++) flat = flat * t.shape[a]! + idx[a]!;
      return t.toArray()[flat];
    };
    expect(at(oihw, [4, 1, 1, 2])).toBe(at(hwio, [1, 2, 1, 4]));
    expect(at(oihw, [2, 3, 0, 1])).toBe(at(hwio, [0, 1, 3, 2]));
    expect(oihwToHwio(oihw).toArray()).toEqual(hwio.toArray());
  });

  it('SAME pads follow TF: ceil(size/stride) outputs, odd totals put the extra after', () => {
    expect(samePads([5, 5], [3, 3])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    // even kernel, stride 1: total 1 → [0, 1]
    expect(samePads([4, 4], [2, 2])).toEqual([
      [0, 1],
      [0, 1],
    ]);
    // size 5, kernel 3, stride 2: 3 outputs need 2·2 + 3 = 7 → total 2 → [1, 1];
    // size 6, kernel 3, stride 2: 3 outputs need 7 → total 1 → [0, 1]
    expect(samePads([5, 6], [3, 3], [2, 2])).toEqual([
      [1, 1],
      [0, 1],
    ]);
    // dilation 2 makes a 3-tap kernel span 5: total 4 → [2, 2]; size 7 stride 3 kernel 1: no pad
    expect(samePads([8, 7], [3, 1], [1, 3], [2, 1])).toEqual([
      [2, 2],
      [0, 0],
    ]);
    // stride larger than the kernel can need no padding at all: size 4, k 1, s 2
    expect(samePads([4, 4], [1, 1], [2, 2])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(
      onnxPads([
        [0, 1],
        [2, 3],
      ]),
    ).toEqual([0, 2, 1, 3]);
  });

  it('the flatten row permutation maps channelsFirst rows to channelsLast rows', () => {
    // H=1, W=2, C=2: channelsFirst rows are (c0,w0), (c0,w1), (c1,w0), (c1,w1);
    // channelsLast rows are (w0,c0), (w0,c1), (w1,c0), (w1,c1).
    const image = { height: 1, width: 2, channels: 2 };
    expect(flattenRowPermutation(image, 'channelsFirst', 'channelsLast')).toEqual([0, 2, 1, 3]);
    const big = { height: 2, width: 3, channels: 4 };
    const there = flattenRowPermutation(big, 'channelsFirst', 'channelsLast');
    const back = flattenRowPermutation(big, 'channelsLast', 'channelsFirst');
    expect(there.map((_, i) => there[back[i]!])).toEqual(there.map((_, i) => i));
    const kernel = iota([24, 2]);
    const moved = permuteFlattenedDenseKernel(kernel, big, 'channelsFirst', 'channelsLast').toArray();
    const rows = kernel.toArray();
    expect(moved).toEqual(there.flatMap((r) => [rows[2 * r], rows[2 * r + 1]]));
    expect(() => permuteFlattenedDenseKernel(iota([5, 2]), big, 'channelsFirst', 'channelsLast')).toThrow(
      /does not follow a flattened 2×3×4 image/,
    );
  });

  it('a conv → flatten → dense model computes the same function after switching data format', () => {
    const convFirst = new Conv2D({
      filters: 3,
      kernelSize: 2,
      strides: [2, 1],
      dataFormat: 'channelsFirst',
      dtype: 'float64',
    });
    const convLast = new Conv2D({ filters: 3, kernelSize: 2, strides: [2, 1], dtype: 'float64' });
    const flatten = new Flatten();
    const dense = new Dense({ units: 2, dtype: 'float64' });
    const xFirst = f64(randomArray(2 * 2 * 5 * 4, 1), [2, 2, 5, 4]);
    const conv = {
      kernel: f64(randomArray(2 * 2 * 2 * 3, 2), [2, 2, 2, 3]),
      bias: f64([0.1, -0.2, 0.3], [3]),
    };
    const [c, h, w] = convFirst.computeOutputShape([2, 5, 4]) as [number, number, number];
    const denseKernel = f64(randomArray(c * h * w * 2, 3), [c * h * w, 2]);
    const denseBias = f64([0.5, -0.5], [2]);
    const run = (convLayer: Conv2D, x: Tensor, kernel: Tensor) =>
      dense.call(
        flatten.call(convLayer.call(x, conv, INFERENCE), {}, INFERENCE),
        { kernel, bias: denseBias },
        INFERENCE,
      );
    const expected = run(convFirst, xFirst, denseKernel).toArray();
    const moved = permuteFlattenedDenseKernel(
      denseKernel,
      { height: h, width: w, channels: c },
      'channelsFirst',
      'channelsLast',
    );
    const actual = run(convLast, nchwToNhwc(xFirst), moved).toArray();
    for (const [i, v] of actual.entries()) expect(v).toBeCloseTo(expected[i]!, 12);
    // without the permutation the functions differ (the test would catch a missing step)
    const wrong = run(convLast, nchwToNhwc(xFirst), denseKernel).toArray();
    expect(wrong.some((v, i) => Math.abs(v - expected[i]!) > 1e-6)).toBe(true);
  });
});
