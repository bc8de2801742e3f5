import { endianness } from 'node:os';
import type { DType, TypedArray } from '@reptile/core';
import type { TensorProtoObject } from './schema.ts';

/** Element types the lowering emits: the protocol's dtypes plus int64 for shapes, axes and indices. */
export type ElemType = DType | 'int64';

/** TensorProto.DataType codes. bool is stored one byte per element, as Reptile stores it. */
export const ONNX_ELEM: Readonly<Record<ElemType, number>> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

export const ELEM_FROM_ONNX: Readonly<Record<number, ElemType>> = {
  1: 'float32',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  11: 'float64',
};

/** onnxruntime-common's names for the same element types. */
export const ORT_TYPE: Readonly<Record<ElemType, 'float32' | 'float64' | 'int32' | 'int64' | 'bool'>> = {
  float32: 'float32',
  float64: 'float64',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
};

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * raw_data is little endian whatever the host (onnx.proto). On little-endian hosts the typed
 * array's bytes are copied as they are; otherwise each element is written through a DataView.
 */
export function rawData(data: TypedArray | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return bytes;
  }
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (data instanceof Float32Array) view.setFloat32(i * 4, v as number, true);
    else if (data instanceof Float64Array) view.setFloat64(i * 8, v as number, true);
    else if (data instanceof Int32Array) view.setInt32(i * 4, v as number, true);
    else view.setBigInt64(i * 8, v as bigint, true);
  }
  return bytes;
}

/** Zero-filled storage for `n` elements of a protocol dtype. */
export function zerosOf(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

/** Inverse of rawData for the element types we emit. */
export function fromRawData(raw: Uint8Array, elem: ElemType): TypedArray | BigInt64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (elem) {
    case 'float32':
      return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
    case 'float64':
      return Float64Array.from({ length: raw.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true));
    case 'int32':
      return Int32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
    case 'int64':
      return BigInt64Array.from({ length: raw.byteLength / 8 }, (_, i) => view.getBigInt64(i * 8, true));
    case 'bool':
      return Uint8Array.from(raw);
  }
}

/**
 * int64 values (shapes, axes, pads, slice bounds) go through BigInt64Array so every integer a JS
 * number holds exactly reaches the file exactly; anything else is refused rather than rounded.
 */
export function int64Array(values: readonly number[]): BigInt64Array {
  return BigInt64Array.from(values, (v) => {
    if (!Number.isSafeInteger(v)) throw new RangeError(`int64 value ${v} is not a safe integer`);
    return BigInt(v);
  });
}

export function tensorProto(
  name: string,
  elem: ElemType,
  dims: readonly number[],
  data: TypedArray | BigInt64Array,
): TensorProtoObject {
  return { name, dims: [...dims], data_type: ONNX_ELEM[elem], raw_data: rawData(data) };
}
