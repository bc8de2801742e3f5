import type { Op } from '../ir/op.ts';

/** Geometry of `Tensor.conv2d`; every field defaults to the plain convolution (1, no pads, 1 group). */
export interface ConvOptions {
  readonly strides?: number | readonly [number, number];
  readonly dilations?: number | readonly [number, number];
  /** [[top, bottom], [left, right]] zero padding. */
  readonly pads?: readonly [readonly [number, number], readonly [number, number]];
  readonly groups?: number;
}

const pair = (v: number | readonly [number, number] | undefined): [number, number] =>
  v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

/** The `conv2d` op for these options (values are checked when the node is built, infer.ts). */
export function conv2dOp(options: ConvOptions): Extract<Op, { kind: 'conv2d' }> {
  const pads = options.pads ?? [
    [0, 0],
    [0, 0],
  ];
  return {
    kind: 'conv2d',
    strides: pair(options.strides),
    dilations: pair(options.dilations),
    pads: [
      [pads[0][0], pads[0][1]],
      [pads[1][0], pads[1][1]],
    ],
    groups: options.groups ?? 1,
  };
}
