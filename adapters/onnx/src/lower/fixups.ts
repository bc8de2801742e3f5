import type { DType, Node } from '@reptile/core';
import { attr } from '../proto/graph-builder.ts';
import { ONNX_ELEM } from '../proto/tensor.ts';
import type { LowerContext } from './context.ts';

/**
 * Small node patterns shared by the rules that patch ONNX's semantics to the protocol's
 * (docs/onnx.md, "Fix-ups"). Each takes and returns ONNX value names.
 */

/**
 * The host values behind an IR operand when it is a constant embedded in the graph, seen through
 * movement ops that only select or repeat its elements (reshape, expand, transpose, slice), else
 * undefined (also for a constant fed as a graph input: its values vary between runs). A fix-up
 * whose trigger cannot occur in these values is left out: e.g. relu's gradient picks the
 * constants 1 and 0.5, which are never −0, so its `where` needs no signed-zero patch.
 */
export function constantValues(ctx: LowerContext, node: Node): ArrayLike<number> | undefined {
  let n = node;
  while (MOVEMENT.has(n.op.kind) && !ctx.fed.has(n)) n = n.inputs[0]!;
  return n.op.kind === 'constant' && !ctx.fed.has(n) ? n.op.data : undefined;
}

const MOVEMENT = new Set(['reshape', 'expand', 'transpose', 'slice']);

/** True when `node` is such a constant and every one of its values satisfies `test`. */
export function constantWhere(ctx: LowerContext, node: Node, test: (v: number) => boolean): boolean {
  const values = constantValues(ctx, node);
  if (values === undefined) return false;
  for (let i = 0; i < values.length; i++) if (!test(values[i]!)) return false;
  return true;
}

export function cast(ctx: LowerContext, x: string, to: DType | 'int64'): string {
  return ctx.b.op('Cast', [x], [attr.int('to', ONNX_ELEM[to])]);
}

export function isNan(ctx: LowerContext, x: string): string {
  return ctx.b.op('IsNaN', [x]);
}

/** `x == 0` for a tensor of `dtype`. */
export function isZero(ctx: LowerContext, x: string, dtype: DType): string {
  return ctx.b.op('Equal', [x, ctx.b.scalar(0, dtype)]);
}

/**
 * JavaScript's ToInt32 of a float64 tensor (what `| 0` does in the reference): non-finite → 0,
 * truncate, reduce modulo 2^32 (exact in double: the operands are integers and 2^32 a power of
 * two), move [2^31, 2^32) down by 2^32, then Cast — now in range, so the cast is exact.
 */
export function toInt32Wrapped(ctx: LowerContext, d: string): string {
  const { b } = ctx;
  const zero = b.scalar(0, 'float64');
  const two32 = b.scalar(4294967296, 'float64');
  const finite = b.op('Not', [b.op('Or', [b.op('IsInf', [d]), isNan(ctx, d)])]);
  const zeroed = b.op('Where', [finite, d, zero]);
  const trunc = b.op('Where', [
    b.op('Less', [zeroed, zero]),
    b.op('Ceil', [zeroed]),
    b.op('Floor', [zeroed]),
  ]);
  const wraps = b.op('Floor', [b.op('Mul', [trunc, b.scalar(2 ** -32, 'float64')])]);
  const low = b.op('Sub', [trunc, b.op('Mul', [wraps, two32])]);
  const high = b.op('GreaterOrEqual', [low, b.scalar(2147483648, 'float64')]);
  return cast(ctx, b.op('Where', [high, b.op('Sub', [low, two32]), low]), 'int32');
}

/** A reduction's `axes` input and `keepdims` attribute. */
export function reduceArgs(ctx: LowerContext, axes: readonly number[], keepDims: boolean) {
  return { axes: ctx.b.int64s(axes), keep: attr.int('keepdims', keepDims ? 1 : 0) };
}

/** Whether any element reduced into each output slot is NaN (bool, the reduction's output shape). */
export function anyNaN(ctx: LowerContext, x: string, axes: readonly number[], keepDims: boolean): string {
  const { axes: ax, keep } = reduceArgs(ctx, axes, keepDims);
  const flags = cast(ctx, isNan(ctx, x), 'int32');
  return cast(ctx, ctx.b.op('ReduceMax', [flags, ax], [keep]), 'bool');
}
