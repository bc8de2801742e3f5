import {
  Activation,
  type ActivationName,
  Add,
  AvgPool2D,
  BatchNormalization,
  type BatchNormalizationOptions,
  Concatenate,
  Conv2D,
  type Conv2DOptions,
  Dense as DenseLayer,
  type DenseOptions,
  Dropout as DropoutLayer,
  Embedding,
  type EmbeddingOptions,
  Flatten as FlattenLayer,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  type GlobalPool2DOptions,
  GRU,
  type GRUOptions,
  LayerNormalization,
  type LayerNormalizationOptions,
  LSTM,
  MaxPool2D,
  Permute,
  type Pool2DOptions,
  type RecurrentOptions,
  Reshape,
} from '@reptile/layers';

type Named = { name?: string };

/**
 * Layer factories in the Keras style: `layers.Dense(128, { activation: 'relu' })`. The required
 * argument comes first, everything else is an option with Keras' default; the layers are the
 * portable ones of `@reptile/layers` (docs/models.md), so a model built here exports to ONNX,
 * TorchScript and tfjs.
 */
export const layers = {
  Dense: (units: number, options: Omit<DenseOptions, 'units'> = {}): DenseLayer =>
    new DenseLayer({ ...options, units }),
  Dropout: (rate: number, options: Named = {}): DropoutLayer => new DropoutLayer({ ...options, rate }),
  Activation: (activation: ActivationName, options: Named = {}): Activation =>
    new Activation({ ...options, activation }),
  Flatten: (options: Named = {}): FlattenLayer => new FlattenLayer(options),
  /** Per-sample target shape, e.g. `layers.Reshape([28, 28, 1])` to turn CSV rows into images. */
  Reshape: (targetShape: readonly number[], options: Named = {}): Reshape =>
    new Reshape({ ...options, targetShape: [...targetShape] }),
  Permute: (dims: readonly number[], options: Named = {}): Permute =>
    new Permute({ ...options, dims: [...dims] }),
  Conv2D: (
    filters: number,
    kernelSize: number | readonly [number, number],
    options: Omit<Conv2DOptions, 'filters' | 'kernelSize'> = {},
  ): Conv2D => new Conv2D({ ...options, filters, kernelSize }),
  MaxPool2D: (options: Pool2DOptions = {}): MaxPool2D => new MaxPool2D(options),
  AvgPool2D: (options: Pool2DOptions = {}): AvgPool2D => new AvgPool2D(options),
  GlobalAveragePooling2D: (options: GlobalPool2DOptions = {}): GlobalAveragePooling2D =>
    new GlobalAveragePooling2D(options),
  GlobalMaxPooling2D: (options: GlobalPool2DOptions = {}): GlobalMaxPooling2D =>
    new GlobalMaxPooling2D(options),
  BatchNormalization: (options: BatchNormalizationOptions = {}): BatchNormalization =>
    new BatchNormalization(options),
  LayerNormalization: (options: LayerNormalizationOptions = {}): LayerNormalization =>
    new LayerNormalization(options),
  Embedding: (
    inputDim: number,
    outputDim: number,
    options: Omit<EmbeddingOptions, 'inputDim' | 'outputDim'> = {},
  ): Embedding => new Embedding({ ...options, inputDim, outputDim }),
  LSTM: (units: number, options: Omit<RecurrentOptions, 'units'> = {}): LSTM =>
    new LSTM({ ...options, units }),
  GRU: (units: number, options: Omit<GRUOptions, 'units'> = {}): GRU => new GRU({ ...options, units }),
  /** Merge layers are for graph models (`Functional` in @reptile/layers); a Model stack is sequential. */
  Add: (options: Named = {}): Add => new Add(options),
  Concatenate: (options: { axis?: number; name?: string } = {}): Concatenate => new Concatenate(options),
};
