import type { Op } from '../ir/op.ts';
import { insertZeros } from '../tensor/composite.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { GradRule } from './rules.ts';

type Conv2dOp = Extract<Op, { kind: 'conv2d' }>;

/**
 * Both cotangents of `conv2d` are themselves convolutions, so the rule needs no new primitive
 * and every frontend runs the backward pass on its native convolution (and second derivatives
 * come for free):
 * - the input cotangent is the transposed convolution: the output cotangent spread out by the
 *   strides, correlated with the spatially reversed, in/out-swapped weights;
 * - the weight cotangent correlates the input with the output cotangent, batch and channel
 *   axes swapped, so the roles of strides and dilations swap too.
 */
export const conv2dRule: GradRule = (g, [x, w], _out, node) => {
  const op = node.op;
  if (op.kind !== 'conv2d') throw new Error('conv2d rule on another op');
  return [inputCotangent(g, w!, x!.shape, op), weightCotangent(g, x!, w!.shape, op)];
};

function inputCotangent(dy: Tensor, w: Tensor, xShape: readonly number[], op: Conv2dOp): Tensor {
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const groups = op.groups;
  const og = o / groups;
  // Group k's weights [og, cg, kh, kw] become [cg, og, kh, kw]: its outputs are now the inputs.
  const swapped = w
    .reshape([groups, og, cg, kh, kw])
    .transpose([0, 2, 1, 3, 4])
    .reshape([groups * cg, og, kh, kw]);
  const flipped = reverseAxis(reverseAxis(swapped, 2), 3);
  let spread = insertZeros(insertZeros(dy, 2, op.strides[0]), 3, op.strides[1]);
  // Full correlation would pad each side by dilation·(k − 1); the forward pads shift that window
  // and whatever lies in them is dropped. Negative amounts crop the spread cotangent instead.
  const pads: [number, number][] = [];
  for (const axis of [0, 1] as const) {
    const reach = op.dilations[axis] * ((axis === 0 ? kh : kw) - 1);
    const length = spread.shape[2 + axis]!;
    const before = reach - op.pads[axis][0];
    const after = xShape[2 + axis]! + op.pads[axis][0] - length;
    const [cropBefore, cropAfter] = [Math.max(-before, 0), Math.max(-after, 0)];
    // Every output along this axis read only padding: the input gets no cotangent at all.
    if (cropBefore + cropAfter >= length) return Tensor.zeros(xShape, dy.dtype);
    const begin = spread.shape.map((_, i) => (i === 2 + axis ? cropBefore : 0));
    const end = spread.shape.map((d, i) => (i === 2 + axis ? length - cropAfter : d));
    spread = spread.slice(begin, end);
    pads.push([Math.max(before, 0), Math.max(after, 0)]);
  }
  return spread.conv2d(flipped, {
    dilations: op.dilations,
    groups,
    pads: [pads[0]!, pads[1]!],
  });
}

function weightCotangent(dy: Tensor, x: Tensor, wShape: readonly number[], op: Conv2dOp): Tensor {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = wShape as [number, number, number, number];
  const groups = op.groups;
  // Input channels become the batch and the batch becomes channels, grouped as before:
  // [cg, groups·n, h, w] with channel k·n + b holding image b's channel k·cg + ci.
  const images = x
    .reshape([n, groups, c / groups, h, wd])
    .transpose([2, 1, 0, 3, 4])
    .reshape([cg, groups * n, h, wd]);
  const filters = dy.transpose([1, 0, 2, 3]);
  const full = images.conv2d(filters, {
    strides: op.dilations,
    dilations: op.strides,
    pads: op.pads,
    groups,
  });
  // Rows past the kernel only see input the forward pass never reached (floor in the output size).
  return full.slice([0, 0, 0, 0], [cg, o, kh, kw]).transpose([1, 0, 2, 3]);
}

/** The axis in reverse order (the protocol has no flip; kernels are small, so slices suffice). */
function reverseAxis(t: Tensor, axis: number): Tensor {
  const size = t.shape[axis]!;
  if (size === 1) return t;
  const pieces = Array.from({ length: size }, (_, k) =>
    t.slice(
      t.shape.map((_, i) => (i === axis ? size - 1 - k : 0)),
      t.shape.map((d, i) => (i === axis ? size - k : d)),
    ),
  );
  return Tensor.concat(pieces, axis);
}
