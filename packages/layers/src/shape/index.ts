import type { JsonObject } from '@reptile/core';
import type { Layer } from '../layer.ts';
import { Permute, type PermuteOptions } from './permute.ts';
import { Reshape, type ReshapeOptions } from './reshape.ts';

export { Permute, type PermuteOptions } from './permute.ts';
export { Reshape, type ReshapeOptions } from './reshape.ts';

/** Registry entries for the shape layers, merged into the layer registry by class name. */
export const SHAPE_LAYERS: Record<string, (config: JsonObject) => Layer> = {
  Reshape: (c) => new Reshape(c as unknown as ReshapeOptions),
  Permute: (c) => new Permute(c as unknown as PermuteOptions),
};
