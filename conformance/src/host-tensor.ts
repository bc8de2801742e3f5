import { asObject, checkKeys, type DType, fail, parseDType, type TypedArray, toTyped } from './core.ts';

/** A tensor's value on the host: what crosses the adapter boundary, independent of any frontend. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedArray;
}

export function hostTensor(
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType = 'float32',
): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    fail(`${data.length} values do not fill shape [${shape.join(',')}]`, { where: 'hostTensor' });
  }
  return { shape: [...shape], dtype, data: toTyped(data, dtype) };
}

/**
 * JSON cannot spell NaN or ±Infinity, so case files write them as the strings "NaN",
 * "Infinity" and "-Infinity" (Python's float() and JS's Number() both read these).
 */
const SPECIAL: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  nan: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  inf: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
};

export function parseScalar(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value in SPECIAL) return SPECIAL[value]!;
  return fail(`expected a number, got ${JSON.stringify(value)}`, {
    where,
    hint: 'write numbers, true/false for bool, or "NaN", "Infinity", "-Infinity"',
  });
}

/** A case input: storage matches the declared dtype (inputs are representable in it by construction). */
export function parseHostTensor(value: unknown, where: string): HostTensor {
  const { shape, dtype, values } = parseTensorJson(value, where);
  return { shape, dtype, data: toTyped(values, dtype) };
}

/**
 * An expected value. Float expectations stay in float64 whatever dtype they declare: the oracles
 * write the exact-arithmetic result, and the tolerance is measured against that, not against a
 * float32 rounding of it.
 */
export function parseExpectedTensor(value: unknown, where: string): HostTensor {
  const { shape, dtype, values } = parseTensorJson(value, where);
  return dtype === 'float32'
    ? { shape, dtype: 'float64', data: values }
    : { shape, dtype, data: toTyped(values, dtype) };
}

function parseTensorJson(
  value: unknown,
  where: string,
): { shape: number[]; dtype: DType; values: Float64Array } {
  const obj = asObject(value, where);
  checkKeys(obj, ['shape', 'data', 'dtype'], where);
  const dtype = obj.dtype === undefined ? 'float32' : parseDType(obj.dtype, `${where}.dtype`);
  const shape = obj.shape;
  if (!Array.isArray(shape)) fail('expected an array of dimensions', { where: `${where}.shape` });
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      fail(`expected a non-negative integer, got ${JSON.stringify(d)}`, { where: `${where}.shape[${i}]` });
    }
  });
  const data = obj.data;
  if (!Array.isArray(data)) fail('expected an array of numbers', { where: `${where}.data` });
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    fail(`${data.length} values do not fill shape [${shape.join(',')}] (${size} elements)`, {
      where: `${where}.data`,
    });
  }
  const values = Float64Array.from(data, (v, i) => parseScalar(v, `${where}.data[${i}]`));
  if (dtype === 'int32' || dtype === 'bool') {
    values.forEach((v, i) => {
      if (!Number.isInteger(v)) fail(`${v} is not a valid ${dtype}`, { where: `${where}.data[${i}]` });
    });
  }
  return { shape: shape as number[], dtype, values };
}

/** JSON form of a tensor, the inverse of parseHostTensor (special floats as strings). */
export function hostTensorToJson(t: HostTensor): {
  shape: number[];
  data: (number | string)[];
  dtype?: DType;
} {
  const data = Array.from(t.data, (v) => (Number.isFinite(v) ? v : String(v)));
  return t.dtype === 'float32'
    ? { shape: [...t.shape], data }
    : { shape: [...t.shape], data, dtype: t.dtype };
}
