import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DType, grad, Tensor, type TypedArray, trace } from '../core.ts';
import { difference, runOnReference, runOnTorch, testWorker } from '../testing/harness.ts';

/**
 * The conv2d lowering (torch.conv2d, with an explicit pad when the pads are asymmetric) against
 * the reference backend over random geometries, forward and both gradients, float32 and
 * float64. All cases go into one traced graph, so the suite costs one TorchScript load. Operands
 * are small multiples of 1/4, so every summation order is exact and the comparison is bit for bit.
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

const CASES = fc.sample(geometry, { numRuns: 40, seed: 20261129 });

const quarters = (count: number, shape: number[], phase: number, dtype: DType) =>
  Tensor.fromData(
    Array.from({ length: count }, (_, i) => (((i * 7 + phase) % 11) - 5) / 4),
    shape,
    dtype,
  );

const graph = trace([], () => {
  const outs: Record<string, Tensor> = {};
  CASES.forEach((g, k) => {
    const c = g.groups * g.cg;
    const o = g.groups * g.og;
    const x = quarters(g.n * c * g.h * g.w, [g.n, c, g.h, g.w], 1, g.dtype);
    const w = quarters(o * g.cg * g.kh * g.kw, [o, g.cg, g.kh, g.kw], 4, g.dtype);
    const y = x.conv2d(w, { strides: g.strides, dilations: g.dilations, pads: g.pads, groups: g.groups });
    const [dx, dw] = grad(y.mul(quarters(y.size, [...y.shape], 2, g.dtype)).sum(), [x, w]);
    outs[`y${k}`] = y;
    outs[`dx${k}`] = dx!;
    outs[`dw${k}`] = dw!;
  });
  return outs;
});

const worker = testWorker();
afterAll(() => worker.close());

describe('conv2d lowering on TorchScript', () => {
  let torchOut: TypedArray[] = [];
  beforeAll(async () => {
    torchOut = await runOnTorch(worker, graph, []);
  });
  const want = runOnReference(graph, []);

  it(`forward and both gradients equal the reference bit for bit over ${CASES.length} random geometries`, () => {
    expect(torchOut.length).toBe(want.length);
    want.forEach((w, i) => {
      const g = CASES[Math.floor(i / 3)]!;
      expect(difference(torchOut[i]!, w), `output ${i % 3} of ${JSON.stringify(g)}`).toBeUndefined();
    });
  });
});
