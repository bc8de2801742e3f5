import { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { Value } from '../value.ts';
import { axesOf } from './shape.ts';
import { sliceAxis, takeStatic } from './take.ts';

type Reducer = (x: Tensor, axes: number[]) => Tensor;

/** Product over `axes` as a chain of multiplications of slices (there is no product primitive). */
function product(x: Tensor, axes: number[]): Tensor {
  let acc = x;
  for (const a of axes) {
    const d = acc.shape[a]!;
    if (d === 0) {
      const shape = [...acc.shape];
      shape[a] = 1;
      acc = acc.sum(a, true).add(1).reshape(shape);
      continue;
    }
    let p = sliceAxis(acc, a, 0, 1);
    for (let k = 1; k < d; k++) p = p.mul(sliceAxis(acc, a, k, k + 1));
    acc = p;
  }
  return acc;
}

/**
 * ReduceX: axes come from the attribute, or from input 1 from opset 13 (ReduceSum) / 18 (the
 * others). Absent or empty axes reduce everything unless noop_with_empty_axes is set.
 */
const reduce =
  (fn: Reducer, axesInputFrom: number, empty?: number): OpImpl =>
  (ctx) => {
    const x = ctx.tensor(0);
    const keep = ctx.int('keepdims', 1) === 1;
    const given = axesOf(ctx, axesInputFrom);
    if ((given === undefined || given.length === 0) && ctx.int('noop_with_empty_axes', 0) === 1) {
      // No reduction, but the elementwise part still applies (ReduceL1 → |x|, as ONNX's reference does).
      return [ctx.like(fn(x, []))];
    }
    const axes = [
      ...new Set((given?.length ? given : x.shape.map((_, i) => i)).map((a) => ctx.axis(a, x.rank))),
    ].sort();
    if (x.rank === 0) return [ctx.like(fn(x.reshape([1]), [0]).reshape([]))];
    const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    // Max/min/log-sum-exp over an empty set are their identities (−∞, +∞, −∞), as ONNX defines.
    const kept =
      empty !== undefined && axes.some((a) => x.shape[a] === 0)
        ? Tensor.full(
            ctx.guard(shape),
            x.dtype === 'int32' ? Math.sign(empty) * (2 ** 31 - (empty > 0 ? 1 : 0)) : empty,
            x.dtype,
          )
        : fn(x, axes);
    const out = kept.reshape(keep ? shape : shape.filter((_, i) => !axes.includes(i)));
    return [ctx.like(out)];
  };

const sum: Reducer = (x, axes) => x.sum(axes, true);

function argExtreme(ctx: OpContext, max: boolean): Value {
  const x = ctx.tensor(0);
  const axis = ctx.axis(ctx.int('axis', 0), x.rank);
  const keep = ctx.int('keepdims', 1) === 1;
  const last = ctx.int('select_last_index', 0) === 1;
  const d = x.shape[axis]!;
  let v = max ? x : x.dtype === 'bool' ? x.logicalNot() : x.neg();
  if (last)
    v = takeStatic(
      v,
      axis,
      Array.from({ length: d }, (_, i) => d - 1 - i),
    );
  let idx = (v.dtype === 'bool' ? v.cast('int32') : v).argMax(axis);
  if (last) idx = idx.neg().add(d - 1);
  if (keep) idx = idx.expandDims(axis);
  return Value.of(idx, 'int64', false);
}

export const REDUCE_OPS: Record<string, OpImpl> = {
  ReduceSum: reduce(sum, 13),
  ReduceMean: reduce((x, axes) => x.mean(axes, true), 18),
  ReduceMax: reduce(
    (x, axes) => (x.dtype === 'bool' ? x.cast('int32').max(axes, true).cast('bool') : x.max(axes, true)),
    18,
    -Infinity,
  ),
  ReduceMin: reduce(
    (x, axes) => (x.dtype === 'bool' ? x.cast('int32').min(axes, true).cast('bool') : x.min(axes, true)),
    18,
    Infinity,
  ),
  ReduceProd: reduce(product, 18),
  ReduceL1: reduce((x, axes) => x.abs().sum(axes, true), 18),
  ReduceL2: reduce((x, axes) => x.mul(x).sum(axes, true).sqrt(), 18),
  ReduceSumSquare: reduce((x, axes) => x.mul(x).sum(axes, true), 18),
  ReduceLogSum: reduce((x, axes) => x.sum(axes, true).log(), 18),
  ReduceLogSumExp: reduce(
    (x, axes) => {
      const m = x.max(axes, true);
      const s = Tensor.where(m.abs().lt(Infinity), m, 0);
      return x.sub(s).exp().sum(axes, true).log().add(s);
    },
    18,
    -Infinity,
  ),
  ArgMax: (ctx) => [argExtreme(ctx, true)],
  ArgMin: (ctx) => [argExtreme(ctx, false)],
};
