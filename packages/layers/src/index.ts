export { Activation, type ActivationOptions } from './activation-layer.ts';
export { ACTIVATIONS, type ActivationName, activate, checkActivation, erf, gelu } from './activations.ts';
export { eagerTrainingContext, INFERENCE } from './context.ts';
export * from './conv/index.ts';
export { Dense, type DenseOptions } from './dense.ts';
export { Dropout, type DropoutOptions } from './dropout.ts';
export { Embedding, type EmbeddingOptions } from './embedding.ts';
export { Flatten } from './flatten.ts';
export { writeFileAtomic } from './graph/atomic-write.ts';
export {
  Functional,
  type GraphInput,
  type GraphInputs,
  type GraphNode,
} from './graph/functional.ts';
export { Add, Concatenate, type ConcatenateOptions, MergeLayer } from './graph/merge.ts';
export {
  loadModel,
  type ModelContainer,
  type ModelFile,
  modelFromConfig,
  modelFromFile,
  modelToFile,
  parseJson,
  saveModel,
} from './graph/model-file.ts';
export { checkInitializer, fans, INITIALIZERS, type InitializerName, initialize } from './initializers.ts';
export { type CallContext, Layer, type LayerWeights, snakeCase, type WeightSpec } from './layer.ts';
export * from './normalization/index.ts';
export { deriveSeed, Random } from './random.ts';
export * from './recurrent/index.ts';
export { LAYER_CLASSES, layerFromConfig, layerToConfig } from './registry.ts';
export { type ApplyOptions, type NamedWeightSpec, Sequential } from './sequential.ts';
export * from './shape/index.ts';
export { loadWeights, type SavedWeights, saveWeights } from './weights-io.ts';
