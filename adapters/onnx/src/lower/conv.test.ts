import { type DType, grad, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { OnnxBackend } from '../runtime/backend.ts';
import { expectSame, reference, runOn } from '../testing/compare.ts';

/**
 * The conv2d lowering (onnxruntime Conv for float32, Slice-with-steps im2col + MatMul for
 * float64) against the reference backend over random geometries, forward and both gradients
 * (which are themselves conv2d nodes with strides and dilations swapped). Operands are small
 * multiples of 1/4, so every summation order is exact and the comparison is bit for bit.
 */
const geometry = fc
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
    dtype: fc.constantFrom<DType>('float32', 'float64'),
  })
  .filter(
    (g) =>
      g.h + g.pads[0][0] + g.pads[0][1] >= g.dilations[0] * (g.kh - 1) + 1 &&
      g.w + g.pads[1][0] + g.pads[1][1] >= g.dilations[1] * (g.kw - 1) + 1,
  );

type Geometry = typeof geometry extends fc.Arbitrary<infer G> ? G : never;

const quarters = (count: number, shape: number[], phase: number, dtype: DType) =>
  Tensor.fromData(
    Array.from({ length: count }, (_, i) => (((i * 7 + phase) % 11) - 5) / 4),
    shape,
    dtype,
  );

function program(g: Geometry): Tensor[] {
  const c = g.groups * g.cg;
  const o = g.groups * g.og;
  const x = quarters(g.n * c * g.h * g.w, [g.n, c, g.h, g.w], 1, g.dtype);
  const w = quarters(o * g.cg * g.kh * g.kw, [o, g.cg, g.kh, g.kw], 4, g.dtype);
  const y = x.conv2d(w, { strides: g.strides, dilations: g.dilations, pads: g.pads, groups: g.groups });
  const [dx, dw] = grad(y.mul(quarters(y.size, [...y.shape], 2, g.dtype)).sum(), [x, w]);
  return [y, dx!, dw!];
}

describe('conv2d lowering', () => {
  const onnx = new OnnxBackend();
  it('forward and both gradients equal the reference bit for bit over random geometries', () => {
    fc.assert(
      fc.property(geometry, (g) => {
        const want = runOn(() => program(g), reference);
        runOn(() => program(g), onnx).forEach((got, i) => {
          expectSame(got, want[i]!, `output ${i} of ${JSON.stringify(g)}`);
        });
      }),
      { numRuns: 40 },
    );
  });
});
