import { type DType, parseDType, type TypedArray } from '../dtype.ts';
import { fail } from '../errors.ts';
import { formatShape, sizeOf } from '../shape.ts';
import { realize, Tensor } from '../tensor/tensor.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';
import type { OptimizerState } from './optimizer.ts';

/**
 * Optimizer state as JSON-safe data. Tensors keep their exact bits (little-endian bytes in
 * base64), so a run resumed from a checkpoint continues bit-identically on the reference backend;
 * decimal text would round float32/float64 values.
 */
export interface SerializedTensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** base64 of the little-endian bytes, row-major. */
  readonly data: string;
}

export interface SerializedOptimizerState {
  readonly format: 'reptile.optimizer-state';
  readonly version: 1;
  readonly step: number;
  readonly inner: unknown;
}

const FORMAT = 'reptile.optimizer-state';
const TENSOR_KEYS = ['data', 'dtype', 'shape'];
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

export function serializeOptimizerState(state: OptimizerState): SerializedOptimizerState {
  return { format: FORMAT, version: 1, step: state.step, inner: serializeState(state.inner) };
}

/**
 * Rebuilds a state saved by serializeOptimizerState (after any JSON round trip). With `expected`
 * (e.g. `optimizer.init(params)`), the layout, shapes and dtypes must match it, so a checkpoint
 * of another model or optimizer is refused with the path of the first difference.
 */
export function deserializeOptimizerState(
  value: unknown,
  expected?: OptimizerState,
  where = 'optimizer state',
): OptimizerState {
  const obj = value as Partial<SerializedOptimizerState> | null;
  if (typeof obj !== 'object' || obj === null || obj.format !== FORMAT || obj.version !== 1) {
    fail(`is not a serialized optimizer state (format '${FORMAT}', version 1)`, {
      where,
      hint: 'pass the value produced by serializeOptimizerState',
    });
  }
  const step = obj.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
    fail(`step ${String(step)} is not a non-negative integer`, { where: `${where}.step` });
  }
  const inner = deserializeState(obj.inner, `${where}.inner`);
  if (expected !== undefined) checkSameLayout(inner, expected.inner, `${where}.inner`);
  return { step, inner };
}

/** Any plain state value (records, arrays, tensors, numbers, strings, booleans, null) to JSON-safe data. */
export function serializeState(value: unknown): unknown {
  const tensors: Tensor[] = [];
  collect(value, tensors, 'state');
  const data = new Map<Tensor, TypedArray>();
  realize(tensors).forEach((d, i) => {
    data.set(tensors[i]!, d);
  });
  return encode(value, data);
}

export function deserializeState(value: unknown, where = 'state'): unknown {
  if (Array.isArray(value)) return value.map((v, i) => deserializeState(v, `${where}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    if (keys.length === 3 && keys.every((k, i) => k === TENSOR_KEYS[i]) && typeof obj.data === 'string') {
      return decodeTensor(obj, where);
    }
    if (keys.length === 1 && keys[0] === 'number' && typeof obj.number === 'string') {
      const n = Number(obj.number);
      if (obj.number !== '-0' && !Number.isNaN(n) && Number.isFinite(n)) fail('bad number', { where });
      return obj.number === '-0' ? -0 : n;
    }
    return Object.fromEntries(keys.map((k) => [k, deserializeState(obj[k], `${where}.${k}`)]));
  }
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return value;
  return fail(`cannot hold ${typeof value}`, { where, hint: 'pass JSON data' });
}

function collect(value: unknown, out: Tensor[], where: string): void {
  if (value instanceof Tensor) out.push(value);
  else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collect(v, out, `${where}[${i}]`);
    });
  } else if (typeof value === 'object' && value !== null) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      fail('holds a non-plain object', {
        where,
        hint: 'optimizer state may hold only tensors and plain data',
      });
    }
    const keys = Object.keys(value).sort();
    if (keys.length === 1 && keys[0] === 'number') {
      fail("a record with the single key 'number' is reserved", { where });
    }
    if (keys.length === 3 && keys.every((k, i) => k === TENSOR_KEYS[i])) {
      fail("a record with keys 'shape', 'dtype', 'data' is reserved for tensors", { where });
    }
    for (const k of keys) collect((value as Record<string, unknown>)[k], out, `${where}.${k}`);
  } else if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    fail(`cannot save a ${typeof value}`, { where });
  }
}

function encode(value: unknown, data: Map<Tensor, TypedArray>): unknown {
  if (value instanceof Tensor) return encodeTensor(value, data.get(value)!);
  if (Array.isArray(value)) return value.map((v) => encode(v, data));
  if (typeof value === 'number') {
    // JSON has no NaN/Infinity and prints −0 as 0.
    if (Object.is(value, -0)) return { number: '-0' };
    return Number.isFinite(value) ? value : { number: String(value) };
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, encode(v, data)]),
    );
  }
  return value;
}

function encodeTensor(t: Tensor, values: TypedArray): SerializedTensor {
  const bytes = new Uint8Array(values.length * BYTES[t.dtype]);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => {
    if (t.dtype === 'float32') view.setFloat32(i * 4, v, true);
    else if (t.dtype === 'float64') view.setFloat64(i * 8, v, true);
    else if (t.dtype === 'int32') view.setInt32(i * 4, v, true);
    else view.setUint8(i, v);
  });
  return { shape: [...t.shape], dtype: t.dtype, data: bytesToBase64(bytes) };
}

function decodeTensor(obj: Record<string, unknown>, where: string): Tensor {
  const dtype = parseDType(obj.dtype, `${where}.dtype`);
  const shape = obj.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    fail('shape must be an array of non-negative integers', { where: `${where}.shape` });
  }
  const bytes = base64ToBytes(obj.data as string, `${where}.data`);
  const size = sizeOf(shape);
  if (bytes.length !== size * BYTES[dtype]) {
    fail(`${bytes.length} bytes do not hold ${size} ${dtype} values`, { where: `${where}.data` });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = Array.from({ length: size }, (_, i) => {
    if (dtype === 'float32') return view.getFloat32(i * 4, true);
    if (dtype === 'float64') return view.getFloat64(i * 8, true);
    if (dtype === 'int32') return view.getInt32(i * 4, true);
    return view.getUint8(i);
  });
  return Tensor.fromData(values, shape, dtype);
}

function checkSameLayout(got: unknown, want: unknown, where: string): void {
  const mismatch = (what: string): never =>
    fail(`does not match this optimizer and params: ${what}`, {
      where,
      hint: 'resume with the same optimizer config and parameter shapes the state was saved with',
    });
  if (want instanceof Tensor) {
    if (!(got instanceof Tensor)) mismatch('expected a tensor');
    const g = got as Tensor;
    if (g.dtype !== want.dtype || formatShape(g.shape) !== formatShape(want.shape)) {
      mismatch(`expected ${want}, got ${g}`);
    }
  } else if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) mismatch(`expected ${want.length} entries`);
    want.forEach((w, i) => {
      checkSameLayout((got as unknown[])[i], w, `${where}[${i}]`);
    });
  } else if (typeof want === 'object' && want !== null) {
    if (typeof got !== 'object' || got === null || Array.isArray(got) || got instanceof Tensor) {
      mismatch('expected a record');
    }
    const wantKeys = Object.keys(want).sort().join(',');
    if (
      Object.keys(got as object)
        .sort()
        .join(',') !== wantKeys
    )
      mismatch(`expected fields ${wantKeys}`);
    for (const [k, w] of Object.entries(want))
      checkSameLayout((got as Record<string, unknown>)[k], w, `${where}.${k}`);
  } else if (typeof got !== typeof want) {
    mismatch(`expected a ${typeof want}`);
  }
}
