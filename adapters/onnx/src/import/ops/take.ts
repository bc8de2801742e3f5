import { Tensor } from '@reptile/core';

/**
 * Gathers along `axis` at indices known before running, from slices only (the protocol has no
 * gather): a constant positive stride becomes pad + reshape + slice, anything else a concat of
 * contiguous runs. Indices must already be in range.
 */
export function takeStatic(x: Tensor, axis: number, indices: readonly number[]): Tensor {
  const d = x.shape[axis]!;
  if (indices.length === 0) {
    const shape = [...x.shape];
    shape[axis] = 0;
    return Tensor.zeros(shape, x.dtype);
  }
  if (indices.length === d && indices.every((v, i) => v === i)) return x;
  const step = indices.length > 1 ? indices[1]! - indices[0]! : 1;
  if (step > 0 && indices.every((v, i) => v === indices[0]! + i * step)) {
    return strided(x, axis, indices[0]!, indices.length, step);
  }
  const runs: [number, number][] = [];
  for (const v of indices) {
    const last = runs[runs.length - 1];
    if (last && last[1] === v) last[1] = v + 1;
    else runs.push([v, v + 1]);
  }
  return Tensor.concat(
    runs.map(([b, e]) => sliceAxis(x, axis, b, e)),
    axis,
  );
}

export function sliceAxis(x: Tensor, axis: number, begin: number, end: number): Tensor {
  return x.slice(
    x.shape.map((_, i) => (i === axis ? begin : 0)),
    x.shape.map((d, i) => (i === axis ? end : d)),
  );
}

/** `count` elements starting at `start`, every `step`-th, along `axis`. */
export function strided(x: Tensor, axis: number, start: number, count: number, step: number): Tensor {
  if (step === 1) return sliceAxis(x, axis, start, start + count);
  const d = x.shape[axis]!;
  const end = start + count * step;
  let part = sliceAxis(x, axis, start, Math.min(end, d));
  if (end > d)
    part = part.pad(x.shape.map((_, i) => (i === axis ? ([0, end - d] as const) : ([0, 0] as const))));
  const split = [...x.shape.slice(0, axis), count, step, ...x.shape.slice(axis + 1)];
  const picked = part.reshape(split).slice(
    split.map(() => 0),
    split.map((s, i) => (i === axis + 1 ? 1 : s)),
  );
  return picked.reshape([...x.shape.slice(0, axis), count, ...x.shape.slice(axis + 1)]);
}

/**
 * Gathers along `axis` at indices only known when running: a one-hot mask against 0..d-1. Floats
 * go through matmul; ints and bools through where + sum, which is exact. Indices must be int32
 * and already wrapped into [0, d).
 */
export function takeDynamic(x: Tensor, axis: number, indices: Tensor): Tensor {
  const d = x.shape[axis]!;
  const pre = x.shape.slice(0, axis);
  const post = x.shape.slice(axis + 1);
  const p = pre.reduce((a, b) => a * b, 1);
  const q = post.reduce((a, b) => a * b, 1);
  const m = indices.size;
  const mask = indices.reshape([m, 1]).eq(Tensor.arange(d).reshape([1, d]));
  const data = x.reshape([p, d, q]);
  let out: Tensor;
  if (x.dtype === 'float32' || x.dtype === 'float64') {
    out = mask.cast(x.dtype).reshape([1, m, d]).matmul(data);
  } else {
    const asInt = x.dtype === 'bool' ? data.cast('int32') : data;
    out = Tensor.where(mask.reshape([1, m, d, 1]), asInt.reshape([p, 1, d, q]), 0).sum(2);
    if (x.dtype === 'bool') out = out.cast('bool');
  }
  return out.reshape([...pre, ...indices.shape, ...post]);
}

/** Wraps negative indices (−d ≤ i < 0) into range, for int32 tensors. */
export function wrapIndices(indices: Tensor, d: number): Tensor {
  return Tensor.where(indices.lt(0), indices.add(d), indices);
}
