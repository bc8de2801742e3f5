import { isFloat, type PrimName } from '@reptile/core';
import { attr } from '../proto/graph-builder.ts';
import type { LowerRule } from './context.ts';
import { lowerConv2d } from './conv.ts';
import { anyNaN, cast, isNan, reduceArgs } from './fixups.ts';

/**
 * Reductions, movement and matmul. Every shape, axis list, pad and bound is an int64
 * initializer (opset 18+ takes reduction axes as inputs, not attributes).
 */

const reduce: LowerRule = (ctx, node, [x]) => {
  const op = node.op;
  if (op.kind !== 'reduce') throw new Error('internal: reduce rule on a non-reduce node');
  const B = ctx.b;
  const dtype = node.inputs[0]!.dtype;
  const { axes, keep } = reduceArgs(ctx, op.axes, op.keepDims);
  switch (op.fn) {
    case 'sum': {
      // int32 ReduceSum saturates in onnxruntime; the protocol wraps, so sum in int64 and keep the
      // low 32 bits. float32 sums in double when exact accumulation is asked for.
      if (dtype === 'int32')
        return cast(ctx, B.op('ReduceSum', [cast(ctx, x!, 'int64'), axes], [keep]), 'int32');
      const wide = dtype === 'float32' && ctx.accumulate === 'float64';
      const acc = wide ? 'float64' : dtype;
      const s = B.op('ReduceSum', [wide ? cast(ctx, x!, 'float64') : x!, axes], [keep]);
      // The reference accumulates from +0, so a sum of −0s is +0; onnxruntime keeps −0. Adding +0
      // turns −0 into +0 and changes nothing else; the variadic Sum does it because onnxruntime's
      // optimizer removes an `Add(x, 0)`.
      const plus0 = B.op('Sum', [s, B.scalar(0, acc)]);
      return wide ? cast(ctx, plus0, 'float32') : plus0;
    }
    case 'max':
    case 'min': {
      const r = B.op(op.fn === 'max' ? 'ReduceMax' : 'ReduceMin', [x!, axes], [keep]);
      if (!isFloat(dtype)) return r;
      // onnxruntime's ReduceMax/Min skip NaN unless it comes first; the protocol propagates it.
      return B.op('Where', [anyNaN(ctx, x!, op.axes, op.keepDims), B.scalar(Number.NaN, dtype), r]);
    }
    case 'argmax': {
      const args = [attr.int('axis', op.axes[0]!), keep, attr.int('select_last_index', 0)];
      const best = B.op('ArgMax', [x!], args);
      if (!isFloat(dtype)) return cast(ctx, best, 'int32');
      // NaN counts as the maximum and the first one wins: arg-max of the NaN mask when a slice has one.
      const firstNaN = B.op('ArgMax', [cast(ctx, isNan(ctx, x!), 'int32')], args);
      const idx = B.op('Where', [anyNaN(ctx, x!, op.axes, op.keepDims), firstNaN, best]);
      return cast(ctx, idx, 'int32');
    }
  }
};

export const STRUCTURAL_RULES = {
  sum: reduce,
  max: reduce,
  min: reduce,
  argmax: reduce,
  // allowzero: a 0 in the target shape means an empty axis, not "copy the input's dim".
  reshape: (ctx, node, [x]) => {
    if (node.op.kind !== 'reshape') throw new Error('internal');
    return ctx.b.op('Reshape', [x!, ctx.b.int64s(node.op.shape)], [attr.int('allowzero', 1)]);
  },
  transpose: (ctx, node, [x]) => {
    if (node.op.kind !== 'transpose') throw new Error('internal');
    return ctx.b.op('Transpose', [x!], [attr.ints('perm', node.op.perm)]);
  },
  expand: (ctx, node, [x]) => {
    if (node.op.kind !== 'expand') throw new Error('internal');
    return ctx.b.op('Expand', [x!, ctx.b.int64s(node.op.shape)]);
  },
  slice: (ctx, node, [x]) => {
    const op = node.op;
    if (op.kind !== 'slice') throw new Error('internal');
    const axes = op.begin.map((_, i) => i);
    return ctx.b.op('Slice', [x!, ctx.b.int64s(op.begin), ctx.b.int64s(op.end), ctx.b.int64s(axes)]);
  },
  concat: (ctx, node, x) => {
    if (node.op.kind !== 'concat') throw new Error('internal');
    return ctx.b.op('Concat', x, [attr.int('axis', node.op.axis)]);
  },
  pad: (ctx, node, [x]) => {
    const op = node.op;
    if (op.kind !== 'pad') throw new Error('internal');
    const pads = [...op.pads.map(([lo]) => lo), ...op.pads.map(([, hi]) => hi)];
    return ctx.b.op('Pad', [x!, ctx.b.int64s(pads), ctx.b.scalar(op.value, node.dtype)], []);
  },
  matmul: (ctx, node, [a, b]) => {
    if (node.dtype === 'float32' && ctx.accumulate === 'float64') {
      const wide = ctx.b.op('MatMul', [cast(ctx, a!, 'float64'), cast(ctx, b!, 'float64')]);
      return cast(ctx, wide, 'float32');
    }
    return ctx.b.op('MatMul', [a!, b!]);
  },
  conv2d: lowerConv2d,
} satisfies Partial<Record<PrimName, LowerRule>>;
