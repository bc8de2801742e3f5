import { fail, type Tensor } from '@reptile/core';
import { type DataFormat, samePadding, type WindowAxis } from './geometry.ts';

/**
 * Layout translations converters apply when a model crosses between Keras conventions
 * (NHWC images, HWIO kernels) and PyTorch/ONNX ones (NCHW, OIHW). Each is a pure permutation.
 */

function checkRank(t: Tensor, what: string): void {
  if (t.rank !== 4) fail(`expected a rank-4 ${what}, got shape [${t.shape}]`, { where: 'layout' });
}

/** [N, H, W, C] → [N, C, H, W]. */
export function nhwcToNchw(t: Tensor): Tensor {
  checkRank(t, 'NHWC batch');
  return t.transpose([0, 3, 1, 2]);
}

/** [N, C, H, W] → [N, H, W, C]. */
export function nchwToNhwc(t: Tensor): Tensor {
  checkRank(t, 'NCHW batch');
  return t.transpose([0, 2, 3, 1]);
}

/** Keras/Reptile kernel [kh, kw, in, out] → torch/ONNX weight [out, in, kh, kw]. */
export function hwioToOihw(kernel: Tensor): Tensor {
  checkRank(kernel, 'HWIO kernel');
  return kernel.transpose([3, 2, 0, 1]);
}

/** torch/ONNX weight [out, in, kh, kw] → Keras/Reptile kernel [kh, kw, in, out]. */
export function oihwToHwio(weight: Tensor): Tensor {
  checkRank(weight, 'OIHW weight');
  return weight.transpose([2, 3, 1, 0]);
}

/** Per-sample [height, width, channels] of the image a Flatten consumes. */
export interface FlattenedImage {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * Row permutation for a Dense kernel that follows a Flatten when the conv stack before it
 * switches data format: row i of the new kernel is row `perm[i]` of the old one. Flatten is
 * row-major, so a feature (c, h, w) sits at row c·H·W + h·W + w in channelsFirst order and at
 * h·W·C + w·C + c in channelsLast order; the model then computes the same function when its
 * input is transposed to the new layout.
 */
export function flattenRowPermutation(image: FlattenedImage, from: DataFormat, to: DataFormat): number[] {
  const { height: h, width: w, channels: c } = image;
  const rowOf = (format: DataFormat, ci: number, hi: number, wi: number) =>
    format === 'channelsFirst' ? ci * h * w + hi * w + wi : hi * w * c + wi * c + ci;
  const perm = new Array<number>(h * w * c);
  for (let ci = 0; ci < c; ci++)
    for (let hi = 0; hi < h; hi++)
      for (let wi = 0; wi < w; wi++) perm[rowOf(to, ci, hi, wi)] = rowOf(from, ci, hi, wi);
  return perm;
}

/**
 * The Dense kernel [H·W·C, units] after a Flatten, re-ordered for the other data format
 * (the same permutation as `flattenRowPermutation`, done with a transpose so it stays a tensor op).
 */
export function permuteFlattenedDenseKernel(
  kernel: Tensor,
  image: FlattenedImage,
  from: DataFormat,
  to: DataFormat,
): Tensor {
  const { height: h, width: w, channels: c } = image;
  if (kernel.rank !== 2 || kernel.shape[0] !== h * w * c) {
    fail(`kernel shape [${kernel.shape}] does not follow a flattened ${h}×${w}×${c} image`, {
      where: 'permuteFlattenedDenseKernel',
      hint: 'give the Dense kernel [height·width·channels, units] and the conv output size',
    });
  }
  if (from === to) return kernel;
  const units = kernel.shape[1]!;
  return from === 'channelsFirst'
    ? kernel
        .reshape([c, h, w, units])
        .transpose([1, 2, 0, 3])
        .reshape([h * w * c, units])
    : kernel
        .reshape([h, w, c, units])
        .transpose([2, 0, 1, 3])
        .reshape([h * w * c, units]);
}

/**
 * TF/Keras SAME padding as explicit [[top, bottom], [left, right]] for an input of
 * [height, width] (what a torch or ONNX export must write, since torch has no asymmetric 'same').
 */
export function samePads(
  input: readonly [number, number],
  kernel: readonly [number, number],
  strides: readonly [number, number] = [1, 1],
  dilation: readonly [number, number] = [1, 1],
): [[number, number], [number, number]] {
  const axis = (i: 0 | 1): WindowAxis => ({
    size: input[i],
    kernel: kernel[i],
    stride: strides[i],
    dilation: dilation[i],
  });
  return [samePadding(axis(0)), samePadding(axis(1))];
}

/** ONNX `pads` order for 2-D ops: [top, left, bottom, right]. */
export function onnxPads(pads: readonly (readonly [number, number])[]): number[] {
  return [pads[0]![0], pads[1]![0], pads[0]![1], pads[1]![1]];
}
