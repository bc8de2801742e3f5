import { grad, ReferenceBackend, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TfjsBackend } from './backend.ts';
import { sameBits, TEST_BACKENDS, useBackend } from './testing.ts';

/**
 * The conv2d kernel's branches (plain tf.conv2d, depthwise, group by group, explicitly dilated
 * kernel when strides and dilations are both above 1) against the reference backend over random
 * geometries, forward and both gradients. Operands are small multiples of 1/4, so every
 * summation order gives the exact result and the comparison is bit for bit.
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
  })
  .filter(
    (g) =>
      g.h + g.pads[0][0] + g.pads[0][1] >= g.dilations[0] * (g.kh - 1) + 1 &&
      g.w + g.pads[1][0] + g.pads[1][1] >= g.dilations[1] * (g.kw - 1) + 1,
  );

const quarters = (count: number, shape: number[], phase: number) =>
  Tensor.fromData(
    Array.from({ length: count }, (_, i) => (((i * 7 + phase) % 11) - 5) / 4),
    shape,
  );

describe.each(TEST_BACKENDS)('conv2d on tfjs %s', (name) => {
  beforeAll(() => useBackend(name));
  const tfjs = new TfjsBackend();
  const reference = new ReferenceBackend();

  it('forward and both gradients equal the reference bit for bit over random geometries', () => {
    fc.assert(
      fc.property(geometry, (g) => {
        const c = g.groups * g.cg;
        const o = g.groups * g.og;
        const x = quarters(g.n * c * g.h * g.w, [g.n, c, g.h, g.w], 1);
        const w = quarters(o * g.cg * g.kh * g.kw, [o, g.cg, g.kh, g.kw], 4);
        const y = x.conv2d(w, { strides: g.strides, dilations: g.dilations, pads: g.pads, groups: g.groups });
        const [dx, dw] = grad(y.mul(quarters(y.size, [...y.shape], 2)).sum(), [x, w]);
        const nodes = [y.node, dx!.node, dw!.node];
        const want = reference.run(nodes);
        tfjs.run(nodes).forEach((got, i) => {
          expect(sameBits(got, want[i]!), `output ${i} of ${JSON.stringify(g)}`).toBe(true);
        });
      }),
      { numRuns: 60 },
    );
  });
});
