import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { broadcast, slice, where } from './movement.ts';
import { sameBits, TEST_BACKENDS, useBackend } from './testing.ts';

/**
 * The fast forms must give exactly what tf.broadcastTo, tf.slice and tf.where give; the index
 * arithmetic is checked against a host loop over random shapes up to rank 6.
 */
const shapeAndSlice = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.tuple(
        ...shape.map((d) =>
          fc
            .integer({ min: 0, max: d })
            .chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: d - b }))),
        ),
      ),
    ),
  );

/** The slice by definition: every output multi-index offset by begin, read row-major. */
function hostSlice(data: Float32Array, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const total = size.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < total; flat++) {
    let rest = flat;
    let src = 0;
    let stride = 1;
    const idx = new Array<number>(size.length);
    for (let i = size.length - 1; i >= 0; i--) {
      idx[i] = rest % size[i]!;
      rest = Math.floor(rest / size[i]!);
    }
    for (let i = shape.length - 1; i >= 0; i--) {
      src += (idx[i]! + begin[i]!) * stride;
      stride *= shape[i]!;
    }
    out.push(data[src]!);
  }
  return out;
}

describe.each(TEST_BACKENDS)('fast movement on %s', (name) => {
  beforeAll(() => useBackend(name));

  it('slice equals the definition for random shapes and bounds up to rank 6', () => {
    fc.assert(
      fc.property(shapeAndSlice, ([shape, bounds]) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const data = Float32Array.from({ length: size }, (_, i) => i);
        const begin = bounds.map(([b]) => b);
        const sizes = bounds.map(([, s]) => s);
        const got = tf.tidy(() => slice(tf.tensor(data, shape), begin, sizes).dataSync());
        expect(Array.from(got)).toEqual(hostSlice(data, shape, begin, sizes));
      }),
      { numRuns: 200 },
    );
  });

  it('broadcast is exact for −0, NaN and ±∞, and handles int32 and bool', () => {
    const special = tf.tensor([-0, Number.NaN, Number.POSITIVE_INFINITY], [3, 1]);
    expect(
      sameBits(broadcast(special, [3, 2]).dataSync(), [-0, -0, Number.NaN, Number.NaN, Infinity, Infinity]),
    ).toBe(true);
    expect(Array.from(broadcast(tf.tensor([-2147483648], [1, 1], 'int32'), [1, 3]).dataSync())).toEqual([
      -2147483648, -2147483648, -2147483648,
    ]);
    const flags = broadcast(tf.tensor([1, 0], [2, 1], 'bool'), [2, 2]);
    expect(flags.dtype).toBe('bool');
    expect(Array.from(flags.dataSync())).toEqual([1, 1, 0, 0]);
  });

  it('where broadcasts scalar and row operands like tf.where', () => {
    const cond = tf.tensor([1, 0, 0, 1], [2, 2], 'bool');
    const got = where(cond, tf.scalar(-0), tf.tensor([7, 8], [1, 2]));
    expect(got.shape).toEqual([2, 2]);
    expect(sameBits(got.dataSync(), [-0, 8, 7, -0])).toBe(true);
  });
});
