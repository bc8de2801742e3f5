import { type DType, isFloat } from '../dtype.ts';
import { fail } from '../errors.ts';
import { formatShape, type Shape, sameShape, sizeOf } from '../shape.ts';
import type { Node } from './node.ts';
import type { Op } from './op.ts';

/**
 * Shape and dtype rules of every primitive. Violations are programming errors in the layer above
 * (the Tensor API checks user input first), but they still get a message naming the op.
 */
const FLOAT_ONLY = new Set(['exp', 'log', 'sqrt', 'sin', 'cos']);

export function inferOutput(op: Op, inputs: readonly Node[]): { shape: Shape; dtype: DType } {
  const where = `primitive ${op.kind === 'unary' || op.kind === 'binary' || op.kind === 'compare' || op.kind === 'reduce' ? op.fn : op.kind}`;
  const [a, b, c] = inputs;
  const arity = (n: number) => {
    if (inputs.length !== n) fail(`expects ${n} inputs, got ${inputs.length}`, { where });
  };
  const sameOperands = (x: Node, y: Node) => {
    if (!sameShape(x.shape, y.shape)) {
      fail(`operand shapes differ: ${formatShape(x.shape)} vs ${formatShape(y.shape)}`, {
        where,
        hint: 'broadcast explicitly with reshape + expand',
      });
    }
    if (x.dtype !== y.dtype)
      fail(`operand dtypes differ: ${x.dtype} vs ${y.dtype}`, { where, hint: 'cast one operand' });
  };
  switch (op.kind) {
    case 'constant':
    case 'input':
      return fail('leaf nodes must be given shape and dtype', { where });
    case 'unary': {
      arity(1);
      if (op.fn === 'not') {
        if (a!.dtype !== 'bool') fail(`needs bool, got ${a!.dtype}`, { where });
      } else if (a!.dtype === 'bool') {
        fail('is not defined on bool', { where, hint: 'cast to a numeric dtype first' });
      } else if (FLOAT_ONLY.has(op.fn) && !isFloat(a!.dtype)) {
        fail(`needs a float dtype, got ${a!.dtype}`, { where, hint: "cast with .cast('float32') first" });
      }
      return { shape: a!.shape, dtype: a!.dtype };
    }
    case 'binary': {
      arity(2);
      sameOperands(a!, b!);
      const logical = op.fn === 'and' || op.fn === 'or';
      if (logical !== (a!.dtype === 'bool')) {
        fail(logical ? `needs bool operands, got ${a!.dtype}` : 'is not defined on bool', { where });
      }
      return { shape: a!.shape, dtype: a!.dtype };
    }
    case 'compare':
      arity(2);
      sameOperands(a!, b!);
      return { shape: a!.shape, dtype: 'bool' };
    case 'where':
      arity(3);
      if (a!.dtype !== 'bool') fail(`condition must be bool, got ${a!.dtype}`, { where });
      sameOperands(b!, c!);
      if (!sameShape(a!.shape, b!.shape)) fail('condition shape differs from operands', { where });
      return { shape: b!.shape, dtype: b!.dtype };
    case 'reduce': {
      arity(1);
      const rank = a!.shape.length;
      const axes = new Set(op.axes);
      for (const ax of op.axes) {
        if (!Number.isInteger(ax) || ax < 0 || ax >= rank)
          fail(`axis ${ax} out of range for rank ${rank}`, { where });
      }
      if (axes.size !== op.axes.length) fail(`repeated axis in ${JSON.stringify(op.axes)}`, { where });
      if (op.fn === 'argmax' && op.axes.length !== 1) fail('argmax takes exactly one axis', { where });
      if (a!.dtype === 'bool') fail('is not defined on bool', { where });
      for (const ax of op.axes) {
        if (a!.shape[ax] === 0 && op.fn !== 'sum') fail(`cannot reduce an empty axis ${ax}`, { where });
      }
      const shape = op.keepDims
        ? a!.shape.map((d, i) => (axes.has(i) ? 1 : d))
        : a!.shape.filter((_, i) => !axes.has(i));
      return { shape, dtype: op.fn === 'argmax' ? 'int32' : a!.dtype };
    }
    case 'reshape':
      arity(1);
      if (sizeOf(op.shape) !== a!.size) {
        fail(`cannot reshape ${formatShape(a!.shape)} (${a!.size} elements) to ${formatShape(op.shape)}`, {
          where,
        });
      }
      return { shape: op.shape, dtype: a!.dtype };
    case 'transpose': {
      arity(1);
      const rank = a!.shape.length;
      const seen = new Set(op.perm);
      if (op.perm.length !== rank || seen.size !== rank || op.perm.some((p) => !(p >= 0 && p < rank))) {
        fail(`perm ${JSON.stringify(op.perm)} is not a permutation of ${rank} axes`, { where });
      }
      return { shape: op.perm.map((p) => a!.shape[p]!), dtype: a!.dtype };
    }
    case 'expand':
      arity(1);
      if (op.shape.length !== a!.shape.length || a!.shape.some((d, i) => d !== 1 && d !== op.shape[i])) {
        fail(`cannot expand ${formatShape(a!.shape)} to ${formatShape(op.shape)}`, {
          where,
          hint: 'only size-1 dims expand, and ranks must match',
        });
      }
      return { shape: op.shape, dtype: a!.dtype };
    case 'slice': {
      arity(1);
      const rank = a!.shape.length;
      if (op.begin.length !== rank || op.end.length !== rank)
        fail('begin/end must give one entry per axis', { where });
      const shape = a!.shape.map((d, i) => {
        const lo = op.begin[i]!;
        const hi = op.end[i]!;
        if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && lo <= hi && hi <= d)) {
          fail(`bounds [${lo}, ${hi}) invalid for axis ${i} of size ${d}`, { where });
        }
        return hi - lo;
      });
      return { shape, dtype: a!.dtype };
    }
    case 'concat': {
      if (inputs.length === 0) fail('needs at least one input', { where });
      const first = inputs[0]!;
      const rank = first.shape.length;
      if (!(op.axis >= 0 && op.axis < rank)) fail(`axis ${op.axis} out of range for rank ${rank}`, { where });
      let total = 0;
      for (const x of inputs) {
        if (x.dtype !== first.dtype) fail(`dtypes differ: ${first.dtype} vs ${x.dtype}`, { where });
        if (x.shape.length !== rank || x.shape.some((d, i) => i !== op.axis && d !== first.shape[i])) {
          fail(`shapes ${formatShape(first.shape)} and ${formatShape(x.shape)} differ off axis ${op.axis}`, {
            where,
          });
        }
        total += x.shape[op.axis]!;
      }
      return { shape: first.shape.map((d, i) => (i === op.axis ? total : d)), dtype: first.dtype };
    }
    case 'pad':
      arity(1);
      if (op.pads.length !== a!.shape.length || op.pads.some(([lo, hi]) => !(lo >= 0 && hi >= 0))) {
        fail(`pads ${JSON.stringify(op.pads)} must give non-negative [before, after] per axis`, { where });
      }
      return { shape: a!.shape.map((d, i) => d + op.pads[i]![0] + op.pads[i]![1]), dtype: a!.dtype };
    case 'matmul': {
      arity(2);
      const ra = a!.shape.length;
      const rb = b!.shape.length;
      if (ra < 2 || ra !== rb)
        fail(`needs equal ranks ≥ 2, got ${formatShape(a!.shape)} x ${formatShape(b!.shape)}`, { where });
      if (a!.dtype !== b!.dtype || (!isFloat(a!.dtype) && a!.dtype !== 'int32'))
        fail('needs matching numeric dtypes', { where });
      const k = a!.shape[ra - 1]!;
      if (b!.shape[rb - 2] !== k || !sameShape(a!.shape.slice(0, -2), b!.shape.slice(0, -2))) {
        fail(`inner or batch dims differ: ${formatShape(a!.shape)} x ${formatShape(b!.shape)}`, { where });
      }
      return { shape: [...a!.shape.slice(0, -1), b!.shape[rb - 1]!], dtype: a!.dtype };
    }
    case 'conv2d':
      arity(2);
      return { shape: conv2dShape(op, a!, b!, where), dtype: a!.dtype };
    case 'cast':
      arity(1);
      return { shape: a!.shape, dtype: op.to };
  }
}

/** Output length of one convolved axis: window starts that fit in the padded input. */
export function convOutputDim(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  pads: readonly [number, number],
): number {
  return Math.floor((size + pads[0] + pads[1] - dilation * (kernel - 1) - 1) / stride) + 1;
}

function conv2dShape(op: Extract<Op, { kind: 'conv2d' }>, x: Node, w: Node, where: string): Shape {
  if (x.shape.length !== 4 || w.shape.length !== 4) {
    fail(
      `needs x [N, C, H, W] and weights [O, C/groups, KH, KW], got ${formatShape(x.shape)} and ${formatShape(w.shape)}`,
      {
        where,
      },
    );
  }
  if (x.dtype !== w.dtype || !isFloat(x.dtype))
    fail(`needs matching float dtypes, got ${x.dtype} and ${w.dtype}`, { where });
  const positive = (v: number) => Number.isInteger(v) && v >= 1;
  if (![...op.strides, ...op.dilations, op.groups].every(positive))
    fail(
      `strides ${op.strides}, dilations ${op.dilations} and groups ${op.groups} must be positive integers`,
      {
        where,
      },
    );
  if (!op.pads.flat().every((p) => Number.isInteger(p) && p >= 0))
    fail(`pads ${JSON.stringify(op.pads)} must be non-negative integers`, { where });
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  if (c % op.groups !== 0 || o % op.groups !== 0 || cg !== c / op.groups) {
    fail(`weights ${formatShape(w.shape)} do not fit ${c} input channels in ${op.groups} group(s)`, {
      where,
      hint: 'groups must divide the input and output channels, and weights hold C/groups input channels',
    });
  }
  const oh = convOutputDim(h, kh, op.strides[0], op.dilations[0], op.pads[0]);
  const ow = convOutputDim(wd, kw, op.strides[1], op.dilations[1], op.pads[1]);
  if (oh < 1 || ow < 1)
    fail(`the dilated ${kh}x${kw} kernel is larger than the padded ${h}x${wd} input`, { where });
  return [n, o, oh, ow];
}
