import type { JsonObject } from '@reptile/core';
import type { Layer } from '../layer.ts';
import { BatchNormalization, type BatchNormalizationOptions } from './batch-normalization.ts';
import { LayerNormalization, type LayerNormalizationOptions } from './layer-normalization.ts';

export { BatchNormalization, type BatchNormalizationOptions } from './batch-normalization.ts';
export {
  biasedFromUnbiasedVariance,
  KERAS_BATCH_NORM,
  kerasMomentumFromOnnx,
  kerasMomentumFromTorch,
  ONNX_BATCH_NORM,
  onnxMomentumFromKeras,
  TORCH_BATCH_NORM,
  torchMomentumFromKeras,
  unbiasedFromBiasedVariance,
} from './conventions.ts';
export { LayerNormalization, type LayerNormalizationOptions } from './layer-normalization.ts';

/** Registry entries for `layerFromConfig`, by className. */
export const NORMALIZATION_LAYERS: Record<string, (config: JsonObject) => Layer> = {
  BatchNormalization: (c) => new BatchNormalization(c as BatchNormalizationOptions),
  LayerNormalization: (c) => new LayerNormalization(c as LayerNormalizationOptions),
};
