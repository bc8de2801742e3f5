import type { DType } from '../core.ts';

/**
 * c10::ScalarType codes. Serialized TorchScript spells dtypes as these integers (`torch.float32`
 * is not a value in the archive dialect), so every dtype argument in generated code is one of them.
 */
export const SCALAR_TYPE: Readonly<Record<DType | 'int64', number>> = {
  int32: 3,
  int64: 4,
  float32: 6,
  float64: 7,
  bool: 11,
};

/** The storage class torch's unpickler uses to rebuild a tensor of each dtype. */
export const STORAGE_CLASS: Readonly<Record<DType, string>> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  int32: 'IntStorage',
  bool: 'BoolStorage',
};

export const ITEM_SIZE: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * A TorchScript float literal that round-trips the double exactly. Floats always carry a '.' or
 * an exponent so the compiler types them as float, never int (`torch.full([], 2, dtype=6)` and
 * `torch.full([], 2.0, dtype=6)` agree, but `constant_pad_nd` and scalar arithmetic can differ).
 */
export function floatLiteral(v: number): string {
  if (Number.isNaN(v)) return 'float("nan")';
  if (v === Number.POSITIVE_INFINITY) return 'float("inf")';
  if (v === Number.NEGATIVE_INFINITY) return 'float("-inf")';
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v); // shortest round-trip representation
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A literal of `dtype`'s scalar kind: float for float dtypes, int for int32, bool for bool. */
export function scalarLiteral(v: number, dtype: DType): string {
  if (dtype === 'bool') return v !== 0 ? 'True' : 'False';
  if (dtype === 'int32') return String(v | 0);
  return floatLiteral(v);
}

/** `[2, 3]` — TorchScript int list literal. */
export function intList(values: readonly number[]): string {
  return `[${values.join(', ')}]`;
}

/**
 * A double-quoted TorchScript string literal. Only printable ASCII is kept (the archive lexer's
 * escape support is narrower than Python's); anything else becomes '?', which is fine because
 * strings in generated code are only error messages — exact names live in the metadata file.
 */
export function stringLiteral(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else out += code >= 0x20 && code < 0x7f ? ch : '?';
  }
  return `${out}"`;
}
