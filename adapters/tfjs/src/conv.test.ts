import { ReferenceBackend } from '@reptile/core';
import { convGeometry, convWithGradients } from '@reptile/core/testing';
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
describe.each(TEST_BACKENDS)('conv2d on tfjs %s', (name) => {
  beforeAll(() => useBackend(name));
  const tfjs = new TfjsBackend();
  const reference = new ReferenceBackend();

  it('forward and both gradients equal the reference bit for bit over random geometries', () => {
    fc.assert(
      fc.property(convGeometry, (g) => {
        const nodes = convWithGradients(g).map((t) => t.node);
        const want = reference.run(nodes);
        tfjs.run(nodes).forEach((got, i) => {
          expect(sameBits(got, want[i]!), `output ${i} of ${JSON.stringify(g)}`).toBe(true);
        });
      }),
      { numRuns: 60 },
    );
  });
});
