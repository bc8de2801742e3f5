import { Tensor } from '@reptile/core';
import type { Window2D } from './geometry.ts';

/**
 * Elements start, start + stride, ..., start + (count − 1)·stride of `axis`. The protocol has no
 * strided slice, so it is composed: take count·stride elements (padding the tail when they run
 * past the end; those cells are dropped anyway), fold the axis into [count, stride] and keep
 * column 0. Every step is a movement primitive, so the gradient is a scatter for free.
 */
export function stridedSlice(x: Tensor, axis: number, start: number, count: number, stride: number): Tensor {
  const size = x.shape[axis]!;
  const begin = x.shape.map((_, i) => (i === axis ? start : 0));
  if (stride === 1) {
    return x.slice(
      begin,
      x.shape.map((d, i) => (i === axis ? start + count : d)),
    );
  }
  const end = start + count * stride;
  const overrun = Math.max(end - size, 0);
  const padded = overrun > 0 ? x.pad(x.shape.map((_, i) => (i === axis ? [0, overrun] : [0, 0]))) : x;
  const taken = padded.slice(
    begin,
    padded.shape.map((d, i) => (i === axis ? end : d)),
  );
  const folded = taken.reshape([...x.shape.slice(0, axis), count, stride, ...x.shape.slice(axis + 1)]);
  const first = folded.slice(
    folded.shape.map(() => 0),
    folded.shape.map((d, i) => (i === axis + 1 ? 1 : d)),
  );
  return first.reshape([...x.shape.slice(0, axis), count, ...x.shape.slice(axis + 1)]);
}

/**
 * The kh·kw shifted views of a padded NHWC batch, one per kernel tap in row-major tap order,
 * each [N, outRows, outCols, C]: view (i, j) at output (r, c) is input (r·sh + i·dh, c·sw + j·dw).
 * Concatenated along channels this is im2col; reduced elementwise it is a pool.
 */
export function windowTaps(x: Tensor, w: Window2D, padValue = 0): Tensor[] {
  const { rows, cols, pads } = w;
  const padded = x.pad([[0, 0], pads[0], pads[1], [0, 0]], padValue);
  if (tiles(rows) && tiles(cols)) return tileTaps(padded, w);
  const taps: Tensor[] = [];
  for (let i = 0; i < rows.kernel; i++) {
    const rowView = stridedSlice(padded, 1, i * rows.dilation, w.outRows, rows.stride);
    for (let j = 0; j < cols.kernel; j++) {
      taps.push(stridedSlice(rowView, 2, j * cols.dilation, w.outCols, cols.stride));
    }
  }
  return taps;
}

/** Windows that tile the axis: as wide as their stride, undilated (pooling's default). */
const tiles = (axis: Window2D['rows']) => axis.stride === axis.kernel && axis.dilation === 1;

/**
 * Taps of tiling windows from one fold: crop to whole windows, view the batch as
 * [N, outRows, kh, outCols, kw, C] and take one slice per tap. A 2×2 MaxPool2D train step over
 * [32, 28, 28, 16], before (two strided slices per tap) → after, interleaved runs: onnxruntime
 * 8.8–8.9 → 4.8–5.1 ms, torch 9.2–13.0 → 9.1–9.3, tfjs-wasm 47–49 → 29–46, reference 42–62 → 23–38.
 */
function tileTaps(padded: Tensor, w: Window2D): Tensor[] {
  const [n, , , c] = padded.shape as [number, number, number, number];
  const kh = w.rows.kernel;
  const kw = w.cols.kernel;
  const whole = padded.slice([0, 0, 0, 0], [n, w.outRows * kh, w.outCols * kw, c]);
  const folded = whole.reshape([n, w.outRows, kh, w.outCols, kw, c]);
  const taps: Tensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      taps.push(
        folded
          .slice([0, 0, i, 0, j, 0], [n, w.outRows, i + 1, w.outCols, j + 1, c])
          .reshape([n, w.outRows, w.outCols, c]),
      );
    }
  }
  return taps;
}

/**
 * Convolution composed from movement primitives and one matmul (im2col): what Conv2D ran before
 * `conv2d` became a primitive. Kept as an independent oracle for the primitive and as the
 * baseline of the `conv` benchmark. NHWC input, HWIO kernel [kh, kw, in/groups, filters].
 */
export function convByPatches(x: Tensor, kernel: Tensor, w: Window2D, groups: number): Tensor {
  const [batch] = x.shape as [number];
  const [kh, kw, cg, filters] = kernel.shape as [number, number, number, number];
  const taps = windowTaps(x, w);
  const rows = batch * w.outRows * w.outCols;
  const t = kh * kw;
  let y: Tensor;
  if (groups === 1) {
    // [rows, kh·kw·cin] patches (tap-major, channel-minor, as HWIO flattens) × kernel
    const patches = taps.length === 1 ? taps[0]! : Tensor.concat(taps, 3);
    y = patches.reshape([rows, t * cg]).matmul(kernel.reshape([t * cg, filters]));
  } else {
    // one batched matmul: patches [G, rows, taps·cg] × kernels [G, taps·cg, filters/G]
    const patches = Tensor.stack(taps, 3)
      .reshape([rows, t, groups, cg])
      .transpose([2, 0, 1, 3])
      .reshape([groups, rows, t * cg]);
    const kernels = kernel.reshape([t * cg, groups, filters / groups]).transpose([1, 0, 2]);
    y = patches.matmul(kernels).transpose([1, 0, 2]).reshape([rows, filters]);
  }
  return y.reshape([batch, w.outRows, w.outCols, filters]);
}
