import type { Node } from '../ir/node.ts';
import type { PrimName } from '../ir/op.ts';
import { Tensor } from '../tensor/tensor.ts';
import { conv2dRule } from './conv-rule.ts';

/**
 * Reverse-mode rule of one primitive: given the output cotangent `g`, the node, its inputs and its
 * output (all as tensors), return one cotangent per input (undefined = not differentiable).
 * Rules use only protocol ops, so gradients are themselves traceable graphs.
 */
export type GradRule = (
  g: Tensor,
  inputs: readonly Tensor[],
  out: Tensor,
  node: Node,
) => readonly (Tensor | undefined)[];

const none: GradRule = (_g, inputs) => inputs.map(() => undefined);
const zero: GradRule = (g) => [g.mul(0)];

/** Splits a tie evenly between the operands, as torch.maximum/minimum do. */
function tieShare(chosen: Tensor, tie: Tensor, like: Tensor): Tensor {
  return Tensor.where(chosen, 1, Tensor.where(tie, 0.5, 0).cast(like.dtype)).cast(like.dtype);
}

/** The gradient of a max/min reduction is shared evenly among the elements that attain it. */
const extremumRule: GradRule = (g, [x], out, node) => {
  const op = node.op;
  if (op.kind !== 'reduce') throw new Error('extremumRule on non-reduce');
  const keptShape = x!.shape.map((d, i) => (op.axes.includes(i) ? 1 : d));
  const hit = x!.eq(out.reshape(keptShape).broadcastTo(x!.shape)).cast(x!.dtype);
  const count = hit.sum(op.axes, true);
  return [g.reshape(keptShape).broadcastTo(x!.shape).mul(hit).div(count)];
};

export const GRAD_RULES: Record<PrimName, GradRule> = {
  constant: none,
  input: none,
  // unary
  neg: (g) => [g.neg()],
  exp: (g, _x, out) => [g.mul(out)],
  log: (g, [x]) => [g.div(x!)],
  sqrt: (g, _x, out) => [g.div(out.mul(2))],
  abs: (g, [x]) => [g.mul(x!.sign())],
  sign: zero,
  floor: zero,
  ceil: zero,
  sin: (g, [x]) => [g.mul(x!.cos())],
  cos: (g, [x]) => [g.mul(x!.sin()).neg()],
  not: none,
  // binary
  add: (g) => [g, g],
  sub: (g) => [g, g.neg()],
  mul: (g, [a, b]) => [g.mul(b!), g.mul(a!)],
  div: (g, [, b], out) => [g.div(b!), g.mul(out).div(b!).neg()],
  pow: (g, [a, b], out) => [
    g.mul(b!).mul(a!.pow(b!.sub(1))),
    // d/db a^b = a^b·ln a, taken as 0 where a = 0 and b ≥ 0 (torch's convention) instead of 0·(−∞)
    Tensor.where(a!.eq(0).logicalAnd(b!.ge(0)), 0, g.mul(out).mul(a!.log())),
  ],
  maximum: (g, [a, b]) => [
    g.mul(tieShare(a!.gt(b!), a!.eq(b!), a!)),
    g.mul(tieShare(b!.gt(a!), a!.eq(b!), a!)),
  ],
  minimum: (g, [a, b]) => [
    g.mul(tieShare(a!.lt(b!), a!.eq(b!), a!)),
    g.mul(tieShare(b!.lt(a!), a!.eq(b!), a!)),
  ],
  and: none,
  or: none,
  // comparisons are piecewise constant
  lt: none,
  le: none,
  gt: none,
  ge: none,
  eq: none,
  ne: none,
  where: (g, [c]) => [undefined, Tensor.where(c!, g, 0), Tensor.where(c!, 0, g)],
  // reductions
  sum: (g, [x], _out, node) => {
    const op = node.op;
    if (op.kind !== 'reduce') throw new Error('sum rule on non-reduce');
    return [g.reshape(x!.shape.map((d, i) => (op.axes.includes(i) ? 1 : d))).broadcastTo(x!.shape)];
  },
  max: extremumRule,
  min: extremumRule,
  argmax: none,
  // movement
  reshape: (g, [x]) => [g.reshape(x!.shape)],
  transpose: (g, _x, _out, node) => {
    const op = node.op;
    if (op.kind !== 'transpose') throw new Error('transpose rule on non-transpose');
    const inverse = new Array<number>(op.perm.length);
    op.perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [g.transpose(inverse)];
  },
  // The one place broadcasting is undone: sum the cotangent over every expanded axis.
  expand: (g, [x]) => {
    const axes = x!.shape.flatMap((d, i) => (d === 1 && g.shape[i] !== 1 ? [i] : []));
    return [g.sum(axes, true).reshape(x!.shape)];
  },
  slice: (g, [x], _out, node) => {
    const op = node.op;
    if (op.kind !== 'slice') throw new Error('slice rule on non-slice');
    return [g.pad(op.begin.map((b, i) => [b, x!.shape[i]! - op.end[i]!] as const))];
  },
  concat: (g, inputs, _out, node) => {
    const op = node.op;
    if (op.kind !== 'concat') throw new Error('concat rule on non-concat');
    let at = 0;
    return inputs.map((x) => {
      const begin = x.shape.map((_, i) => (i === op.axis ? at : 0));
      const end = x.shape.map((d, i) => (i === op.axis ? at + d : g.shape[i]!));
      at += x.shape[op.axis]!;
      return g.slice(begin, end);
    });
  },
  pad: (g, [x], _out, node) => {
    const op = node.op;
    if (op.kind !== 'pad') throw new Error('pad rule on non-pad');
    return [
      g.slice(
        op.pads.map(([lo]) => lo),
        op.pads.map(([lo], i) => lo + x!.shape[i]!),
      ),
    ];
  },
  matmul: (g, [a, b]) => [g.matmul(swapLast(b!)), swapLast(a!).matmul(g)],
  conv2d: conv2dRule,
  cast: (g, [x]) => [x!.dtype === 'float32' || x!.dtype === 'float64' ? g.cast(x!.dtype) : undefined],
};

function swapLast(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 1] = t.rank - 2;
  perm[t.rank - 2] = t.rank - 1;
  return t.transpose(perm);
}
