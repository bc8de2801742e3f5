import { grad, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planWindow } from './geometry.ts';
import { convByPatches, stridedSlice, windowTaps } from './patches.ts';
import { type NaiveImage, naiveConv, randomArray } from './testing/naive.ts';

const iota = (shape: number[]) =>
  Tensor.fromData(
    Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => i),
    shape,
    'float64',
  );

describe('stridedSlice', () => {
  it('takes start, start + stride, ... along one axis, also when the last group runs past the end', () => {
    const x = iota([2, 7]); // rows 0..6 and 7..13
    expect(stridedSlice(x, 1, 1, 3, 2).toArray()).toEqual([1, 3, 5, 8, 10, 12]);
    // 3 elements at stride 3 from 0 need 9 cells of a 7-long axis: indices 0, 3, 6
    expect(stridedSlice(x, 1, 0, 3, 3).toArray()).toEqual([0, 3, 6, 7, 10, 13]);
    expect(stridedSlice(x, 0, 1, 1, 5).toArray()).toEqual([7, 8, 9, 10, 11, 12, 13]);
  });

  it('equals index arithmetic for any valid start/count/stride, and its gradient scatters ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.nat(8),
        fc.integer({ min: 1, max: 4 }),
        (size, s, stride) => {
          const start = s % size;
          const count = Math.floor((size - 1 - start) / stride) + 1;
          const x = iota([size]);
          const expected = Array.from({ length: count }, (_, i) => start + i * stride);
          expect(stridedSlice(x, 0, start, count, stride).toArray()).toEqual(expected);
          const [g] = grad(stridedSlice(x, 0, start, count, stride).sum(), [x]);
          expect(g!.toArray()).toEqual(
            Array.from({ length: size }, (_, i) => (expected.includes(i) ? 1 : 0)),
          );
        },
      ),
    );
  });
});

describe('windowTaps', () => {
  it('returns one shifted, dilated, strided view per kernel tap in row-major tap order', () => {
    // 1×4×4×1 image 0..15; 2×2 kernel, dilation 2, stride 1, no pad → 2×2 outputs
    const w = planWindow(
      4,
      4,
      { kernel: [2, 2], strides: [1, 1], dilation: [2, 2], padding: 'valid' },
      'test',
    );
    const taps = windowTaps(iota([1, 4, 4, 1]), w).map((t) => t.toArray());
    // tap (i, j) at output (r, c) reads input (r + 2i, c + 2j)
    expect(taps).toEqual([
      [0, 1, 4, 5],
      [2, 3, 6, 7],
      [8, 9, 12, 13],
      [10, 11, 14, 15],
    ]);
  });

  it('fills padding with the given value', () => {
    const w = planWindow(
      1,
      1,
      {
        kernel: [1, 2],
        strides: [1, 1],
        dilation: [1, 1],
        padding: [
          [0, 0],
          [1, 0],
        ],
      },
      't',
    );
    expect(windowTaps(iota([1, 1, 1, 1]).add(5), w, -1).map((t) => t.toArray())).toEqual([[-1], [5]]);
  });
});

describe('convByPatches (the im2col composite the conv2d primitive replaced)', () => {
  it('equals the direct loop, grouped and strided, dilated and padded', () => {
    fc.assert(
      fc.property(
        fc.record({
          groups: fc.integer({ min: 1, max: 3 }),
          cg: fc.integer({ min: 1, max: 2 }),
          fg: fc.integer({ min: 1, max: 2 }),
          size: fc.integer({ min: 4, max: 7 }),
          kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
          strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
          pad: fc.nat({ max: 1 }),
          seed: fc.nat(),
        }),
        (c) => {
          const channels = c.groups * c.cg;
          const filters = c.groups * c.fg;
          const pads: [[number, number], [number, number]] = [
            [c.pad, 0],
            [0, c.pad],
          ];
          const image: NaiveImage = {
            data: randomArray(2 * c.size * c.size * channels, c.seed),
            shape: [2, c.size, c.size, channels],
          };
          const kernel = randomArray(c.kernel[0] * c.kernel[1] * c.cg * filters, c.seed + 1);
          const w = planWindow(
            c.size,
            c.size,
            { kernel: c.kernel, strides: c.strides, dilation: [1, 1], padding: pads },
            'test',
          );
          const got = convByPatches(
            Tensor.fromData(image.data, [...image.shape], 'float64'),
            Tensor.fromData(kernel, [...c.kernel, c.cg, filters], 'float64'),
            w,
            c.groups,
          );
          const want = naiveConv(image, kernel, undefined, filters, c.groups, {
            kernel: c.kernel,
            strides: c.strides,
            dilation: [1, 1],
            pads,
          });
          expect(got.shape).toEqual([...want.shape]);
          got.toArray().forEach((v, i) => {
            expect(v).toBeCloseTo(want.data[i]!, 12);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('windowTaps of tiling windows (stride = kernel, one fold)', () => {
  it('equal two strided slices per tap, for sizes that do and do not divide', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 3, max: 8 }),
        fc.integer({ min: 3, max: 8 }),
        fc.nat({ max: 1 }),
        (kh, kw, h, w, pad) => {
          const x = iota([2, h, w, 3]);
          const win = planWindow(
            h,
            w,
            {
              kernel: [kh, kw],
              strides: [kh, kw],
              dilation: [1, 1],
              padding: [
                [0, Math.min(pad, kh - 1)],
                [Math.min(pad, kw - 1), 0],
              ],
            },
            'test',
          );
          const padded = x.pad([[0, 0], win.pads[0], win.pads[1], [0, 0]], -1);
          const expected: number[][] = [];
          for (let i = 0; i < kh; i++) {
            const rowView = stridedSlice(padded, 1, i, win.outRows, kh);
            for (let j = 0; j < kw; j++)
              expected.push(stridedSlice(rowView, 2, j, win.outCols, kw).toArray());
          }
          expect(windowTaps(x, win, -1).map((t) => t.toArray())).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
