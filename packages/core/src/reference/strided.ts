import type { TypedArray } from '../dtype.ts';
import type { Shape } from '../shape.ts';

/**
 * Copies a strided view of `src` into a strided view of `dst`, both described by element strides
 * over the same `shape`. Every movement kernel (transpose, expand, slice, pad, concat) is one call.
 */
export function stridedCopy(
  src: TypedArray,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: TypedArray,
  dstOffset: number,
  dstStrides: readonly number[],
  shape: Shape,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[dstOffset] = src[srcOffset]!;
    return;
  }
  const last = rank - 1;
  const n = shape[last]!;
  const ss = srcStrides[last]!;
  const ds = dstStrides[last]!;
  const index = new Array<number>(rank).fill(0);
  let outer = 1;
  for (let i = 0; i < last; i++) outer *= shape[i]!;
  if (n === 0) return;
  for (let o = 0; o < outer; o++) {
    let s = srcOffset;
    let d = dstOffset;
    for (let i = 0; i < last; i++) {
      s += index[i]! * srcStrides[i]!;
      d += index[i]! * dstStrides[i]!;
    }
    for (let j = 0; j < n; j++) dst[d + j * ds] = src[s + j * ss]!;
    for (let i = last - 1; i >= 0; i--) {
      if (++index[i]! < shape[i]!) break;
      index[i] = 0;
    }
  }
}
