import type { DType } from '@reptile/core';
import { convGeometry, convWithGradients } from '@reptile/core/testing';
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
describe('conv2d lowering', () => {
  const onnx = new OnnxBackend();
  it('forward and both gradients equal the reference bit for bit over random geometries', () => {
    fc.assert(
      fc.property(convGeometry, fc.constantFrom<DType>('float32', 'float64'), (g, dtype) => {
        const want = runOn(() => convWithGradients(g, dtype), reference);
        runOn(() => convWithGradients(g, dtype), onnx).forEach((got, i) => {
          expectSame(got, want[i]!, `output ${i} of ${JSON.stringify({ ...g, dtype })}`);
        });
      }),
      { numRuns: 40 },
    );
  });
});
