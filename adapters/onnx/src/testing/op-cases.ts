import type { PrimName } from '@reptile/core';
import { ELEMENTWISE_CASES } from './elementwise-cases.ts';
import type { OpCase } from './op-case-values.ts';
import { STRUCTURAL_CASES } from './structural-cases.ts';

/**
 * Op-by-op cases, keyed by primitive so a primitive added to the IR without a case here is a
 * type error (elementwise-cases.ts, structural-cases.ts). Inputs lean on the edge cases of docs/protocol.md: signed zeros, ±∞, NaN, int32
 * extremes, empty tensors. `ulps` > 0 only where onnxruntime's float32 transcendental kernels
 * legitimately differ in the last bits from the reference's rounded float64 results.
 */
export const OP_CASES: Readonly<Record<PrimName, readonly OpCase[]>> = {
  ...ELEMENTWISE_CASES,
  ...STRUCTURAL_CASES,
};
