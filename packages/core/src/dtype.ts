import { fail } from './errors.ts';

/** The dtypes of the tensor protocol. bool is stored as 0/1 bytes. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** Converts host numbers to the storage of `dtype`, with the same rules as the `cast` primitive. */
export function toTyped(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = allocate(dtype, values.length);
  const convert = castScalar(dtype);
  for (let i = 0; i < values.length; i++) out[i] = convert(Number(values[i]));
  return out;
}

/**
 * Scalar cast rules, shared by every place that converts numbers (documented in docs/protocol.md):
 * float→int32 truncates toward zero, saturates at the int32 range and maps NaN to 0;
 * anything→bool is `x !== 0` (NaN is true); float32 rounds to nearest.
 */
export function castScalar(dtype: DType): (x: number) => number {
  switch (dtype) {
    case 'float32':
      return Math.fround;
    case 'float64':
      return (x) => x;
    case 'int32':
      return toInt32;
    case 'bool':
      return (x) => (x !== 0 ? 1 : 0);
  }
}

export function toInt32(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return Math.trunc(x) | 0;
}

export function parseDType(value: unknown, where: string): DType {
  if (typeof value === 'string' && (DTYPES as readonly string[]).includes(value)) return value as DType;
  return fail(`unknown dtype ${JSON.stringify(value)}`, { where, hint: `use one of ${DTYPES.join(', ')}` });
}
