import { fail } from '@reptile/core';
import { activation, dataFormat, padding, pair, regularizer, same, type ValueMap } from './keras-values.ts';

/** One config field: Keras snake_case name, Reptile camelCase name, value translation, defaults. */
export interface FieldMap {
  readonly keras: string;
  readonly reptile: string;
  readonly map: ValueMap;
  /** Reptile's default, written out on export so tfjs' own default (which may differ) never applies. */
  readonly def?: unknown;
  /** The Keras/tfjs default when model.json omits the field, where it differs from Reptile's. */
  readonly kerasDef?: unknown;
}

type Config = Readonly<Record<string, unknown>>;

/** Partial weight shapes a layer's config implies (null = depends on the input). */
export type WeightShapes = Readonly<Record<string, readonly (number | null)[]>>;

export interface LayerMap {
  readonly reptile: string;
  /** Keras class names read; the first is the one written. */
  readonly keras: readonly string[];
  readonly fields: readonly FieldMap[];
  /** Keras fields dropped on import: initializers and settings that do not change the function. */
  readonly ignore?: readonly string[];
  /** Keras fields Reptile supports only at these values (a constraint must be null, stateful false, ...). */
  readonly fixed?: Readonly<Record<string, readonly unknown[]>>;
  /** Weights, by Reptile local name, with the shape parts the (Reptile) config fixes. */
  readonly weights?: (config: Config) => WeightShapes;
}

const f = (
  keras: string,
  reptile: string,
  map: ValueMap = same,
  def?: unknown,
  kerasDef?: unknown,
): FieldMap => ({
  keras,
  reptile,
  map,
  ...(def !== undefined ? { def } : {}),
  ...(kerasDef !== undefined ? { kerasDef } : {}),
});

const NULL = [null, undefined];
// tfjs writes null for options left unset, Keras false/0.
const FALSE = [false, null, undefined];
const ZERO = [0, null, undefined];
const nullFields = (...names: string[]) => Object.fromEntries(names.map((n) => [n, NULL]));

/** A config number for a weight-shape check; anything else is left to the layer's own validation. */
const dim = (v: unknown): number | null => (Number.isInteger(v) ? (v as number) : null);
const times = (k: number, v: number | null) => (v === null ? null : k * v);
const units = (c: Config) => dim(c.units);
const withBias = (c: Config, shapes: Record<string, (number | null)[]>, bias: (number | null)[]) =>
  c.useBias === false ? shapes : { ...shapes, bias };

const pool = (reptile: string, keras: string[]): LayerMap => ({
  reptile,
  keras,
  fields: [
    f('pool_size', 'poolSize', pair, [2, 2]),
    // null means "= pool_size" in Keras; Reptile's default is the same.
    f('strides', 'strides', {
      read: (v, w) => (v === null ? undefined : pair.read(v, w)),
      write: pair.write,
    }),
    f('padding', 'padding', padding, 'valid'),
    f('data_format', 'dataFormat', dataFormat, 'channelsLast'),
  ],
});

const globalPool = (reptile: string, keras: string[]): LayerMap => ({
  reptile,
  keras,
  fields: [f('data_format', 'dataFormat', dataFormat, 'channelsLast')],
  fixed: { keepdims: FALSE },
});

const RNN_IGNORE = [
  'kernel_initializer',
  'recurrent_initializer',
  'bias_initializer',
  'implementation',
  'unroll',
  'seed',
];
const RNN_FIXED = {
  ...nullFields(
    'kernel_regularizer',
    'recurrent_regularizer',
    'bias_regularizer',
    'activity_regularizer',
    'kernel_constraint',
    'recurrent_constraint',
    'bias_constraint',
  ),
  dropout: ZERO,
  recurrent_dropout: ZERO,
  return_state: FALSE,
  stateful: FALSE,
  time_major: FALSE,
  use_cudnn: ['auto', false, true, undefined],
};
const rnnFields = [
  f('units', 'units'),
  f('activation', 'activation', activation, 'tanh'),
  f('recurrent_activation', 'recurrentActivation', activation, 'sigmoid'),
  f('use_bias', 'useBias', same, true),
  f('return_sequences', 'returnSequences', same, false),
  f('go_backwards', 'goBackwards', same, false),
];
const rnnWeights = (gates: number) => (c: Config) =>
  withBias(
    c,
    { kernel: [null, times(gates, units(c))], recurrentKernel: [units(c), times(gates, units(c))] },
    gates === 3 && c.resetAfter !== false ? [2, times(3, units(c))] : [times(gates, units(c))],
  );

/**
 * Keras/tfjs-layers classes Reptile imports and exports, field by field. Fields not listed,
 * ignored or fixed are refused by name: an option Reptile would silently drop could change
 * what the model computes.
 */
export const LAYER_MAPS: readonly LayerMap[] = [
  {
    reptile: 'Dense',
    keras: ['Dense'],
    fields: [
      f('units', 'units'),
      f('activation', 'activation', activation, 'linear'),
      f('use_bias', 'useBias', same, true),
      f('kernel_regularizer', 'kernelRegularizer', regularizer),
      f('bias_regularizer', 'biasRegularizer', regularizer),
    ],
    ignore: ['kernel_initializer', 'bias_initializer'],
    fixed: {
      ...nullFields(
        'activity_regularizer',
        'kernel_constraint',
        'bias_constraint',
        'lora_rank',
        'quantization_config',
      ),
    },
    weights: (c) => withBias(c, { kernel: [null, units(c)] }, [units(c)]),
  },
  {
    reptile: 'Conv2D',
    keras: ['Conv2D', 'Convolution2D'],
    fields: [
      f('filters', 'filters'),
      f('kernel_size', 'kernelSize', pair),
      f('strides', 'strides', pair, [1, 1]),
      f('padding', 'padding', padding, 'valid'),
      f('data_format', 'dataFormat', dataFormat, 'channelsLast'),
      f('dilation_rate', 'dilationRate', pair, [1, 1]),
      // tfjs-layers has no grouped convolution: only groups = 1 is written (as nothing).
      f(
        'groups',
        'groups',
        {
          read: (v) => v,
          write: (v, where) =>
            v === 1
              ? undefined
              : fail(`groups = ${JSON.stringify(v)} has no tfjs-layers equivalent`, {
                  where,
                  hint: 'tfjs-layers Conv2D has no grouped convolution; export models with groups = 1',
                }),
        },
        1,
      ),
      f('activation', 'activation', activation, 'linear'),
      f('use_bias', 'useBias', same, true),
      f('kernel_regularizer', 'kernelRegularizer', regularizer),
      f('bias_regularizer', 'biasRegularizer', regularizer),
    ],
    ignore: ['kernel_initializer', 'bias_initializer'],
    fixed: {
      ...nullFields(
        'activity_regularizer',
        'kernel_constraint',
        'bias_constraint',
        'lora_rank',
        'quantization_config',
      ),
    },
    weights: (c) => {
      const k = Array.isArray(c.kernelSize) ? c.kernelSize : [];
      const filters = dim(c.filters);
      return withBias(c, { kernel: [dim(k[0]), dim(k[1]), null, filters] }, [filters]);
    },
  },
  pool('MaxPool2D', ['MaxPooling2D', 'MaxPool2D']),
  pool('AvgPool2D', ['AveragePooling2D', 'AvgPool2D', 'AvgPooling2D']),
  globalPool('GlobalAveragePooling2D', ['GlobalAveragePooling2D', 'GlobalAvgPool2D']),
  globalPool('GlobalMaxPooling2D', ['GlobalMaxPooling2D', 'GlobalMaxPool2D']),
  // Keras' channels_first Flatten transposes to channels-last first; Reptile's Flatten does not.
  {
    reptile: 'Flatten',
    keras: ['Flatten'],
    fields: [],
    fixed: { data_format: ['channels_last', null, undefined] },
  },
  { reptile: 'Reshape', keras: ['Reshape'], fields: [f('target_shape', 'targetShape')] },
  { reptile: 'Permute', keras: ['Permute'], fields: [f('dims', 'dims')] },
  {
    reptile: 'Dropout',
    keras: ['Dropout'],
    fields: [f('rate', 'rate')],
    ignore: ['seed'],
    fixed: { noise_shape: NULL },
  },
  { reptile: 'Activation', keras: ['Activation'], fields: [f('activation', 'activation', activation)] },
  {
    reptile: 'BatchNormalization',
    keras: ['BatchNormalization'],
    fields: [
      f('axis', 'axis', same, -1),
      f('momentum', 'momentum', same, 0.99),
      f('epsilon', 'epsilon', same, 1e-3),
      f('center', 'center', same, true),
      f('scale', 'scale', same, true),
    ],
    ignore: [
      'beta_initializer',
      'gamma_initializer',
      'moving_mean_initializer',
      'moving_variance_initializer',
      'fused',
      'renorm_clipping',
      'renorm_momentum',
    ],
    fixed: {
      ...nullFields('beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'),
      ...nullFields('virtual_batch_size', 'adjustment'),
      renorm: FALSE,
      synchronized: FALSE,
    },
    weights: (c) => ({
      ...(c.scale === false ? {} : { gamma: [null] }),
      ...(c.center === false ? {} : { beta: [null] }),
      movingMean: [null],
      movingVariance: [null],
    }),
  },
  {
    reptile: 'LayerNormalization',
    keras: ['LayerNormalization'],
    fields: [
      f('axis', 'axis', same, -1),
      f('epsilon', 'epsilon', same, 1e-3),
      f('center', 'center', same, true),
      f('scale', 'scale', same, true),
    ],
    ignore: ['beta_initializer', 'gamma_initializer'],
    fixed: {
      ...nullFields('beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint'),
      rms_scaling: FALSE,
    },
    weights: (c) => ({
      ...(c.scale === false ? {} : { gamma: [null] }),
      ...(c.center === false ? {} : { beta: [null] }),
    }),
  },
  {
    reptile: 'Embedding',
    keras: ['Embedding'],
    fields: [f('input_dim', 'inputDim'), f('output_dim', 'outputDim')],
    ignore: ['embeddings_initializer', 'input_length'],
    fixed: {
      ...nullFields(
        'embeddings_regularizer',
        'activity_regularizer',
        'embeddings_constraint',
        'lora_rank',
        'quantization_config',
      ),
      mask_zero: FALSE,
      sparse: FALSE,
    },
    weights: (c) => ({ embeddings: [dim(c.inputDim), dim(c.outputDim)] }),
  },
  {
    reptile: 'LSTM',
    keras: ['LSTM'],
    fields: rnnFields,
    ignore: [...RNN_IGNORE, 'unit_forget_bias'],
    fixed: RNN_FIXED,
    weights: rnnWeights(4),
  },
  {
    reptile: 'GRU',
    keras: ['GRU'],
    // Keras < 2.3 (and tfjs, which has no reset_after=true) omit or write false.
    fields: [...rnnFields, f('reset_after', 'resetAfter', same, true, false)],
    ignore: RNN_IGNORE,
    fixed: RNN_FIXED,
    weights: rnnWeights(3),
  },
  { reptile: 'Add', keras: ['Add'], fields: [] },
  { reptile: 'Concatenate', keras: ['Concatenate'], fields: [f('axis', 'axis', same, -1)] },
];

export const BY_KERAS: ReadonlyMap<string, LayerMap> = new Map(
  LAYER_MAPS.flatMap((m) => m.keras.map((k) => [k, m] as const)),
);
export const BY_REPTILE: ReadonlyMap<string, LayerMap> = new Map(LAYER_MAPS.map((m) => [m.reptile, m]));

/** tfjs names weights in snake_case under the layer: recurrent_kernel ↔ recurrentKernel. */
export const kerasWeightName = (reptile: string): string =>
  reptile.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const reptileWeightName = (keras: string): string =>
  keras.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
