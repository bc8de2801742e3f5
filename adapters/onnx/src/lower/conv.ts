import type { Node } from '@reptile/core';
import { attr } from '../proto/graph-builder.ts';
import type { LowerContext, LowerRule } from './context.ts';

type Conv2dOp = Extract<Node['op'], { kind: 'conv2d' }>;

/**
 * `conv2d` becomes one ONNX Conv for float32 (onnxruntime's own kernel, accumulating in float32,
 * which the protocol allows for convolutions). onnxruntime has no double Conv, so float64 is
 * lowered as im2col: one strided Slice per kernel tap, stacked, and a grouped MatMul in double.
 */
export const lowerConv2d: LowerRule = (ctx, node, [x, w]) => {
  const op = node.op;
  if (op.kind !== 'conv2d') throw new Error('internal: conv2d lowering on another op');
  if (node.dtype === 'float64') return im2col(ctx, node, op, x!, w!);
  return ctx.b.op(
    'Conv',
    [x!, w!],
    [
      attr.ints('kernel_shape', node.inputs[1]!.shape.slice(2)),
      attr.ints('strides', op.strides),
      attr.ints('dilations', op.dilations),
      // ONNX lists every axis' start pad, then every axis' end pad
      attr.ints('pads', [op.pads[0][0], op.pads[1][0], op.pads[0][1], op.pads[1][1]]),
      attr.int('group', op.groups),
    ],
  );
};

function im2col(ctx: LowerContext, node: Node, op: Conv2dOp, x: string, w: string): string {
  const B = ctx.b;
  const [n, c] = node.inputs[0]!.shape as [number, number];
  const [o, cg, kh, kw] = node.inputs[1]!.shape as [number, number, number, number];
  const [, , oh, ow] = node.shape as [number, number, number, number];
  const groups = op.groups;
  const pads = [0, 0, op.pads[0][0], op.pads[1][0], 0, 0, op.pads[0][1], op.pads[1][1]];
  const padded = pads.some((p) => p > 0) ? B.op('Pad', [x, B.int64s(pads), B.scalar(0, 'float64')], []) : x;
  const taps: string[] = [];
  for (let r = 0; r < kh; r++) {
    for (let t = 0; t < kw; t++) {
      const starts = [r * op.dilations[0], t * op.dilations[1]];
      const ends = [starts[0]! + (oh - 1) * op.strides[0] + 1, starts[1]! + (ow - 1) * op.strides[1] + 1];
      const view = B.op('Slice', [
        padded,
        B.int64s(starts),
        B.int64s(ends),
        B.int64s([2, 3]),
        B.int64s(op.strides),
      ]);
      taps.push(B.op('Reshape', [view, B.int64s([n, c, 1, oh * ow])]));
    }
  }
  const stacked = taps.length === 1 ? taps[0]! : B.op('Concat', taps, [attr.int('axis', 2)]);
  // [n, c, taps, pixels] → [n, groups, cg·taps, pixels]: row ci·taps + k matches w's (ci, r, t) order.
  const patches = B.op('Reshape', [stacked, B.int64s([n, groups, cg * kh * kw, oh * ow])]);
  const weights = B.op('Reshape', [w, B.int64s([1, groups, o / groups, cg * kh * kw])]);
  return B.op('Reshape', [B.op('MatMul', [weights, patches]), B.int64s([n, o, oh, ow])]);
}
