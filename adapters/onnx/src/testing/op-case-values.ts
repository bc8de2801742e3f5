import { type DType, type PrimName, Tensor } from '@reptile/core';

/** One op case: `build` returns the tensors to compare; `ulps` > 0 allows that many float ulps. */
export interface OpCase {
  readonly name: string;
  readonly build: () => Tensor[];
  readonly ulps?: number;
}

/** Op cases for some primitives, keyed by primitive (op-cases.ts joins them). */
export type OpCaseTable = Partial<Record<PrimName, readonly OpCase[]>>;

// The edge values of docs/protocol.md, and small tensors built from them.
export const INT_MAX = 2147483647;
export const INT_MIN = -2147483648;
export const SPECIAL = [
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  3.75,
  100,
  -100,
  1e-30,
  1e30,
  Infinity,
  -Infinity,
  Number.NaN,
];
export const MODERATE = [0, -0, 0.1, -0.7, 1, -1, 2.5, -3.25, 10, -20, 50, 88, -87, 0.001];
export const INTS = [0, 1, -1, 7, -7, 5, -3, 65536, INT_MAX, INT_MIN];
export const BOOLS = [0, 1, 1, 0, 1, 0, 0, 1];

export const vec = (data: readonly number[], dtype: DType = 'float32') =>
  Tensor.fromData([...data], [data.length], dtype);
/** The same values shifted, so binary cases pair different elements. */
export const rot = (data: readonly number[], k: number) => data.map((_, i) => data[(i + k) % data.length]!);
export const grid = (n: number, dtype: DType = 'float32', scale = 1) =>
  Tensor.fromData(
    Array.from({ length: n }, (_, i) => ((i * 7) % 11) * scale - 5 * scale),
    [n],
    dtype,
  );
