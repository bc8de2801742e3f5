import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ReptileError } from '@reptile/core';

/** ONNX element types the importer can hold; int64 is kept as exact JS numbers (|v| ≤ 2^53). */
export type OnnxElem = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

/** A decoded TensorProto: host data, not yet a protocol Tensor. */
export interface HostTensor {
  readonly elem: OnnxElem;
  readonly dims: readonly number[];
  /** int64 values as float64 numbers; bool as 0/1 bytes. */
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

const SUPPORTED: Readonly<Record<number, OnnxElem>> = {
  1: 'float32',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  11: 'float64',
};
const BYTES: Readonly<Record<OnnxElem, number>> = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 };

/** TensorProto.DataType names, for refusing what the protocol cannot hold by name. */
export const ONNX_DTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  18: 'float8e4m3fnuz',
  19: 'float8e5m2',
  20: 'float8e5m2fnuz',
  21: 'uint4',
  22: 'int4',
  23: 'float4e2m1',
};

export interface TensorLimits {
  /** Largest element count of any one tensor (default 2^31 - 1). */
  readonly maxElements: number;
  /** Largest byte size of any one decoded tensor (default 1 GiB). */
  readonly maxBytes: number;
}

export const DEFAULT_LIMITS: TensorLimits = { maxElements: 2 ** 31 - 1, maxBytes: 2 ** 30 };

/** The plain object protobufjs decodes a TensorProto to (longs as numbers). */
export interface TensorProtoData {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  string_data?: Uint8Array[];
  uint64_data?: number[];
  external_data?: { key?: string; value?: string }[];
  data_location?: number;
}

export function elemOf(code: number | undefined, where: string): OnnxElem {
  const elem = SUPPORTED[code ?? 0];
  if (elem) return elem;
  const name = ONNX_DTYPE_NAMES[code ?? 0] ?? `code ${code}`;
  throw new ReptileError(`element type ${name} is not supported`, {
    where,
    hint: 'the tensor protocol holds float32, float64, int32 and bool (int64 is read as exact integers); convert the model, e.g. float16 → float32',
  });
}

/** Element count of `dims`, refusing negative, fractional or over-limit dims before anything is allocated. */
export function checkedSize(
  dims: readonly number[],
  bytesPer: number,
  limits: TensorLimits,
  where: string,
): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new ReptileError(`invalid dimension ${d} in [${dims.join(',')}]`, { where });
    n *= d;
    if (n > limits.maxElements) {
      throw new ReptileError(
        `shape [${dims.join(',')}] exceeds the limit of ${limits.maxElements} elements`,
        {
          where,
          hint: 'raise maxElements in the import options if the model really is this large',
        },
      );
    }
  }
  if (n * bytesPer > limits.maxBytes) {
    throw new ReptileError(
      `shape [${dims.join(',')}] needs ${n * bytesPer} bytes, over the limit of ${limits.maxBytes}`,
      {
        where,
        hint: 'raise maxBytes in the import options if the model really is this large',
      },
    );
  }
  return n;
}

/**
 * Converts a decoded TensorProto to host data. Payload sizes must match dims × element size
 * exactly; external data is read only from files inside `modelDir` (no absolute paths, no `..`).
 */
export function hostTensor(
  proto: TensorProtoData,
  where: string,
  limits: TensorLimits = DEFAULT_LIMITS,
  modelDir?: string,
): HostTensor {
  const elem = elemOf(proto.data_type, where);
  const dims = proto.dims ?? [];
  const n = checkedSize(dims, BYTES[elem], limits, where);
  let raw = proto.raw_data;
  if (proto.data_location === 1 || (proto.external_data?.length ?? 0) > 0) {
    raw = readExternal(proto.external_data ?? [], n * BYTES[elem], where, modelDir);
  }
  if (raw !== undefined && raw.byteLength > 0) {
    if (raw.byteLength !== n * BYTES[elem]) {
      throw new ReptileError(
        `raw_data holds ${raw.byteLength} bytes but [${dims.join(',')}] of ${elem} needs ${n * BYTES[elem]}`,
        { where, hint: 'the file is truncated or corrupt; re-export the model' },
      );
    }
    return { elem, dims, data: fromLittleEndian(raw, elem, n) };
  }
  const field = typedField(proto, elem);
  if (n === 0) return { elem, dims, data: allocate(elem, 0) };
  if (field.length !== n) {
    throw new ReptileError(`holds ${field.length} values but [${dims.join(',')}] needs ${n}`, {
      where,
      hint: 'the file is truncated or corrupt; re-export the model',
    });
  }
  const data = allocate(elem, n);
  for (let i = 0; i < n; i++) data[i] = elem === 'bool' ? (field[i] ? 1 : 0) : field[i]!;
  return { elem, dims, data };
}

function typedField(proto: TensorProtoData, elem: OnnxElem): readonly number[] {
  switch (elem) {
    case 'float32':
      return proto.float_data ?? [];
    case 'float64':
      return proto.double_data ?? [];
    case 'int64':
      return proto.int64_data ?? [];
    case 'int32':
    case 'bool':
      return proto.int32_data ?? [];
  }
}

export function allocate(elem: OnnxElem, n: number): Float32Array | Float64Array | Int32Array | Uint8Array {
  switch (elem) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
    case 'int64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

function fromLittleEndian(raw: Uint8Array, elem: OnnxElem, n: number): HostTensor['data'] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = allocate(elem, n);
  for (let i = 0; i < n; i++) {
    switch (elem) {
      case 'float32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'float64':
        out[i] = view.getFloat64(i * 8, true);
        break;
      case 'int32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'int64':
        out[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case 'bool':
        out[i] = raw[i] ? 1 : 0;
        break;
    }
  }
  return out;
}

/** Reads an external-data payload, confined to the model's own folder. */
function readExternal(
  entries: readonly { key?: string; value?: string }[],
  bytes: number,
  where: string,
  modelDir: string | undefined,
): Uint8Array {
  const get = (k: string) => entries.find((e) => e.key === k)?.value;
  const location = get('location');
  if (modelDir === undefined) {
    throw new ReptileError('tensor data is stored in an external file, but the model was given as bytes', {
      where,
      hint: 'load the model by path so external data can be found next to it',
    });
  }
  if (!location || isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
    throw new ReptileError(`external data location '${location ?? ''}' is refused`, {
      where,
      hint: 'external data must be a relative path inside the model folder, without ..',
    });
  }
  const offset = Number(get('offset') ?? 0);
  const length = Number(get('length') ?? bytes);
  if (!Number.isSafeInteger(offset) || offset < 0 || length !== bytes) {
    throw new ReptileError(`external data offset ${offset} / length ${length} do not match ${bytes} bytes`, {
      where,
    });
  }
  let path: string;
  try {
    const root = realpathSync(modelDir);
    path = realpathSync(join(root, location));
    const rel = relative(root, path);
    if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) throw new Error('outside');
    if (statSync(path).size < offset + bytes) throw new Error('file too short');
  } catch (e) {
    throw new ReptileError(
      `external data '${location}' cannot be read inside ${modelDir} (${(e as Error).message})`,
      {
        where,
        hint: 'keep the data file next to the model; links leading out of its folder are refused',
      },
    );
  }
  const out = new Uint8Array(bytes);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, out, 0, bytes, offset);
  } finally {
    closeSync(fd);
  }
  return out;
}
