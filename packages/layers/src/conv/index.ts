import type { JsonObject } from '@reptile/core';
import type { Layer } from '../layer.ts';
import { Conv2D, type Conv2DOptions } from './conv2d.ts';
import { GlobalAveragePooling2D, GlobalMaxPooling2D, type GlobalPool2DOptions } from './global-pool2d.ts';
import { AvgPool2D, MaxPool2D, type Pool2DOptions } from './pool2d.ts';

export { Conv2D, type Conv2DOptions } from './conv2d.ts';
export {
  type DataFormat,
  effectiveKernel,
  type Padding,
  type Pads2D,
  planWindow,
  samePadding,
  type Window2D,
  type WindowAxis,
} from './geometry.ts';
export { GlobalAveragePooling2D, GlobalMaxPooling2D, type GlobalPool2DOptions } from './global-pool2d.ts';
export {
  type FlattenedImage,
  flattenRowPermutation,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  onnxPads,
  permuteFlattenedDenseKernel,
  samePads,
} from './layout.ts';
export { convByPatches } from './patches.ts';
export { AvgPool2D, MaxPool2D, type Pool2DOptions } from './pool2d.ts';

/** Registry entries for the image layers, merged into the layer registry by class name. */
export const CONV_LAYERS: Record<string, (config: JsonObject) => Layer> = {
  Conv2D: (c) => new Conv2D(c as unknown as Conv2DOptions),
  MaxPool2D: (c) => new MaxPool2D(c as Pool2DOptions),
  AvgPool2D: (c) => new AvgPool2D(c as Pool2DOptions),
  GlobalAveragePooling2D: (c) => new GlobalAveragePooling2D(c as GlobalPool2DOptions),
  GlobalMaxPooling2D: (c) => new GlobalMaxPooling2D(c as GlobalPool2DOptions),
};
