import fc from 'fast-check';
import { grad } from '../autodiff/grad.ts';
import type { DType } from '../dtype.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * Random `conv2d` geometries for property tests, shared by the reference backend's tests and
 * every adapter's lowering tests (`@reptile/core/testing`): batch, groups, channels per group,
 * image and kernel sizes, strides, dilations and asymmetric pads, filtered to windows that fit.
 */
export interface ConvGeometry {
  readonly n: number;
  readonly groups: number;
  /** Input channels per group. */
  readonly cg: number;
  /** Output channels per group. */
  readonly og: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pads: [[number, number], [number, number]];
}

export const convGeometry: fc.Arbitrary<ConvGeometry> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    groups: fc.integer({ min: 1, max: 3 }),
    cg: fc.integer({ min: 1, max: 2 }),
    og: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 6 }),
    w: fc.integer({ min: 1, max: 6 }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    pads: fc.tuple(
      fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
      fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
    ),
  })
  .filter(
    (g) =>
      g.h + g.pads[0][0] + g.pads[0][1] >= g.dilations[0] * (g.kh - 1) + 1 &&
      g.w + g.pads[1][0] + g.pads[1][1] >= g.dilations[1] * (g.kw - 1) + 1,
  );

/** The geometry's x [N, C, H, W] and weight [O, C/groups, KH, KW] shapes. */
export function convShapes(g: ConvGeometry): { xShape: number[]; wShape: number[] } {
  return {
    xShape: [g.n, g.groups * g.cg, g.h, g.w],
    wShape: [g.groups * g.og, g.cg, g.kh, g.kw],
  };
}

/**
 * Small multiples of 1/4 (−5/4 … 5/4): products and their sums stay exact in float32, so every
 * summation order a frontend picks gives the same bits and comparisons can be exact.
 */
export function quarters(
  count: number,
  shape: readonly number[],
  phase: number,
  dtype: DType = 'float32',
): Tensor {
  return Tensor.fromData(
    Array.from({ length: count }, (_, i) => (((i * 7 + phase) % 11) - 5) / 4),
    [...shape],
    dtype,
  );
}

/** conv2d of quarter-valued operands, and both gradients of a quarter-weighted sum of it. */
export function convWithGradients(g: ConvGeometry, dtype: DType = 'float32'): [Tensor, Tensor, Tensor] {
  const { xShape, wShape } = convShapes(g);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = quarters(size(xShape), xShape, 1, dtype);
  const w = quarters(size(wShape), wShape, 4, dtype);
  const y = x.conv2d(w, { strides: g.strides, dilations: g.dilations, pads: g.pads, groups: g.groups });
  const [dx, dw] = grad(y.mul(quarters(y.size, y.shape, 2, dtype)).sum(), [x, w]);
  return [y, dx!, dw!];
}
