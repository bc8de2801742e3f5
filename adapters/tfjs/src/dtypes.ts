import { type DType, fail, type TypedArray } from '@reptile/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs has no float64: Reptile float64 tensors live in tfjs as float32 (docs/tfjs.md). Scalar
 * hyper-parameter arithmetic still runs in float64 on the host (see plan.ts), so only values
 * that really live on the device lose precision.
 */
export type TfDType = 'float32' | 'int32' | 'bool';

export function tfDType(dtype: DType): TfDType {
  return dtype === 'float64' ? 'float32' : dtype;
}

/** The Reptile dtype a tfjs tensor is read as; complex64 and string have no Reptile equivalent. */
export function reptileDType(dtype: tf.DataType, where: string): DType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  return fail(`tfjs dtype '${dtype}' has no Reptile equivalent`, {
    where,
    hint: 'use float32, int32 or bool tensors',
  });
}

/** tfjs storage of host data in a Reptile dtype (float64 narrows to float32). */
export function toTfStorage(data: TypedArray, dtype: DType): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float64') return Float32Array.from(data);
  if (dtype === 'bool' && !(data instanceof Uint8Array))
    return Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0));
  return data as Float32Array | Int32Array | Uint8Array;
}

/** Host storage in a Reptile dtype from values read back from tfjs. */
export function fromTfStorage(values: ArrayLike<number>, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return values instanceof Float32Array ? values : Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return values instanceof Int32Array ? values : Int32Array.from(values);
    case 'bool':
      return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  }
}
