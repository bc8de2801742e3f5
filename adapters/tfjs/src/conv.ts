import { fail, type Node } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';

type Conv2dOp = Extract<Node['op'], { kind: 'conv2d' }>;

/**
 * The `conv2d` primitive on tfjs' native convolutions. The protocol is NCHW × OIHW; tfjs'
 * kernels (cpu, wasm, webgl) are NHWC × HWIO, so operands are transposed around the call. tfjs
 * has no grouped convolution: one group is tf.conv2d, one input channel per group is
 * tf.depthwiseConv2d (whose output order c·multiplier + m is exactly the grouped order), and
 * anything between runs group by group. tfjs also refuses strides and dilations both above 1,
 * so the kernel is then dilated explicitly (zeros between taps) and run undilated. The
 * backward pass needs nothing here: the gradient rule is itself made of `conv2d` nodes.
 */
export function conv2dKernel(node: Node, [x, w]: readonly tf.Tensor[]): tf.Tensor {
  const op = node.op;
  if (op.kind !== 'conv2d') return fail('internal: conv2d kernel on another op');
  const input = tf.transpose(x! as tf.Tensor4D, [0, 2, 3, 1]);
  let filter = tf.transpose(w! as tf.Tensor4D, [2, 3, 1, 0]); // [kh, kw, in/groups, out]
  let dilations: [number, number] = [op.dilations[0], op.dilations[1]];
  if ((op.strides[0] > 1 || op.strides[1] > 1) && (dilations[0] > 1 || dilations[1] > 1)) {
    filter = dilateFilter(filter, dilations);
    dilations = [1, 1];
  }
  const strides: [number, number] = [op.strides[0], op.strides[1]];
  const pad = explicitPad(op);
  const conv = (input: tf.Tensor4D, filter: tf.Tensor4D) =>
    tf.conv2d(input, filter, strides, pad, 'NHWC', dilations);
  const [, , cg, out] = filter.shape;
  const channels = input.shape[3];
  let y: tf.Tensor4D;
  if (op.groups === 1) y = conv(input, filter);
  else if (cg === 1 && op.groups === channels) {
    // depthwise: [kh, kw, 1, C·m] → [kh, kw, C, m]
    const depthwise = tf.reshape(filter, [filter.shape[0], filter.shape[1], channels, out / channels]);
    y = tf.depthwiseConv2d(input, depthwise as tf.Tensor4D, strides, pad, 'NHWC', dilations);
  } else {
    const og = out / op.groups;
    const parts = Array.from({ length: op.groups }, (_, g) =>
      conv(
        tf.slice(input, [0, 0, 0, g * cg], [-1, -1, -1, cg]),
        tf.slice(filter, [0, 0, 0, g * og], [-1, -1, -1, og]),
      ),
    );
    y = tf.concat(parts, 3);
  }
  return tf.transpose(y, [0, 3, 1, 2]);
}

function explicitPad(op: Conv2dOp): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [op.pads[0][0], op.pads[0][1]],
    [op.pads[1][0], op.pads[1][1]],
    [0, 0],
  ];
}

/** A kernel with dilation − 1 zero rows/columns between its taps, equivalent to dilating it. */
function dilateFilter(filter: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const spread = (t: tf.Tensor4D, axis: 0 | 1, d: number): tf.Tensor4D => {
    if (d === 1) return t;
    const size = t.shape[axis];
    const shape = [...t.shape];
    shape.splice(axis + 1, 0, 1);
    const pads = shape.map((_, i) => (i === axis + 1 ? [0, d - 1] : [0, 0])) as [number, number][];
    const merged = [...t.shape] as [number, number, number, number];
    merged[axis] = size * d;
    const full = tf.reshape(tf.pad(tf.reshape(t, shape), pads), merged);
    const keep = [...merged] as [number, number, number, number];
    keep[axis] = (size - 1) * d + 1;
    return tf.slice(full, [0, 0, 0, 0], keep) as tf.Tensor4D;
  };
  return spread(spread(filter, 0, dh), 1, dw);
}
