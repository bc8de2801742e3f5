import { readFileSync } from 'node:fs';
import { type DType, fail, Tensor } from '@reptile/core';

/**
 * Tensors as JSON, the format of `reptile run`'s input and output files:
 *
 *   {"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}            one tensor (float32 unless "dtype")
 *   {"image": {"shape": [...], "data": [...]}, "mask": {...}}   named tensors
 *
 * `data` is row-major and flat (nested arrays are accepted and must match `shape`). NaN and
 * ±Infinity, which JSON cannot spell, are written and read as the strings "NaN", "Infinity" and
 * "-Infinity", so an output file always round-trips exactly.
 */
export type TensorJson = { shape: number[]; dtype?: 'float32' | 'int32'; data: (number | string)[] };

const DTYPES = ['float32', 'int32'] as const;
/** A single file larger than this is refused: it would not be a reasonable JSON input. */
const MAX_ELEMENTS = 1 << 27;

function isTensorObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'shape' in value &&
    'data' in value
  );
}

function readNumber(value: unknown, where: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return fail(`expected a number, got ${JSON.stringify(value)?.slice(0, 40)}`, {
    where,
    hint: 'tensor data holds numbers (or "NaN", "Infinity", "-Infinity")',
  });
}

/** Parses one `{shape, data, dtype?}` object; `where` names it in errors. */
export function tensorFromJson(value: unknown, where: string): Tensor {
  if (!isTensorObject(value))
    fail('expected a tensor {"shape": [...], "data": [...]}', {
      where,
      hint: 'see docs/cli.md, "reptile run"',
    });
  const extra = Object.keys(value).filter((k) => k !== 'shape' && k !== 'data' && k !== 'dtype');
  if (extra.length > 0)
    fail(`unknown field '${extra[0]}'`, { where, hint: 'a tensor has only shape, data and dtype' });
  const { shape, data } = value;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`, {
      where: `${where}.shape`,
    });
  const dims = shape as number[];
  const size = dims.reduce((a, b) => a * b, 1);
  if (size > MAX_ELEMENTS)
    fail(`shape [${dims}] has ${size} elements, more than the ${MAX_ELEMENTS} a JSON tensor may hold`, {
      where: `${where}.shape`,
    });
  const dtype = (value.dtype ?? 'float32') as DType;
  if (!(DTYPES as readonly unknown[]).includes(dtype))
    fail(`dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(value.dtype)}`, {
      where: `${where}.dtype`,
    });
  if (!Array.isArray(data)) fail('data must be an array', { where: `${where}.data` });
  const flat = (data as unknown[]).flat(Number.POSITIVE_INFINITY);
  if (flat.length !== size)
    fail(`data has ${flat.length} values, shape [${dims}] needs ${size}`, { where: `${where}.data` });
  const values = flat.map((v, i) => readNumber(v, `${where}.data[${i}]`));
  if (dtype === 'int32') {
    const bad = values.findIndex((v) => !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31);
    if (bad >= 0) fail(`${values[bad]} is not an int32`, { where: `${where}.data[${bad}]` });
    return Tensor.fromData(Int32Array.from(values), dims, 'int32');
  }
  return Tensor.fromData(Float32Array.from(values), dims, 'float32');
}

/**
 * Parses an input file's JSON: one tensor (returned under `defaultName`) or an object of named
 * tensors.
 */
export function tensorsFromJson(value: unknown, defaultName: string, where: string): Record<string, Tensor> {
  if (isTensorObject(value)) return { [defaultName]: tensorFromJson(value, where) };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('expected a tensor {"shape", "data"} or an object of named tensors', { where });
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) fail('holds no tensors', { where });
  return Object.fromEntries(entries.map(([name, t]) => [name, tensorFromJson(t, `${where}.${name}`)]));
}

/** Reads a JSON tensor file; JSON syntax errors name the file and the position. */
export function readTensorFile(path: string, defaultName: string): Record<string, Tensor> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot read: ${(error as Error).message}`, { where: path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON: ${(error as Error).message}`, {
      where: path,
      hint: 'an input file holds {"shape": [...], "data": [...]} or {"name": {...}}',
    });
  }
  return tensorsFromJson(value, defaultName, path);
}

function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

export function tensorToJson(t: Tensor): TensorJson {
  const data = Array.from(t.data() as ArrayLike<number>, jsonNumber);
  return t.dtype === 'int32' || t.dtype === 'bool'
    ? { shape: [...t.shape], dtype: 'int32', data }
    : { shape: [...t.shape], data };
}

/** One output → a tensor object; several → an object keyed by output name (mirrors the inputs). */
export function tensorsToJson(outputs: Readonly<Record<string, Tensor>>): unknown {
  const names = Object.keys(outputs);
  if (names.length === 1) return tensorToJson(outputs[names[0]!]!);
  return Object.fromEntries(names.map((n) => [n, tensorToJson(outputs[n]!)]));
}
