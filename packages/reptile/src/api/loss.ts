import {
  type BinaryCrossEntropyConfig,
  type CosineSimilarityConfig,
  type CrossEntropyConfig,
  type HingeConfig,
  type HuberConfig,
  type KlDivergenceConfig,
  type LossConfig,
  lossFromConfig,
  type MaeConfig,
  type MseConfig,
  type NllConfig,
} from '@reptile/core';

/** A validated loss config (docs/configs.md). */
export interface LossSpec {
  readonly kind: 'loss';
  readonly config: LossConfig;
}

/** Every field of every variant of a config union, except the name. */
type Fields<C> = C extends unknown ? keyof C : never;
type Options<C> = { readonly [K in Exclude<Fields<C>, 'name'>]?: unknown };

function factory<C>(name: string, display: string) {
  return (options: Options<C> = {}): LossSpec => ({
    kind: 'loss',
    config: lossFromConfig({ ...options, name }, `Loss.${display}`).config,
  });
}

/**
 * Loss factories, one per Reptile loss config with the same fields and defaults. When the model
 * ends in softmax (sigmoid), CrossEntropy (BinaryCrossEntropy) is computed from the logits in
 * the stable log-softmax form automatically; see `fuseOutput`.
 */
export const Loss = {
  MSE: factory<MseConfig>('mse', 'MSE'),
  MAE: factory<MaeConfig>('mae', 'MAE'),
  Huber: factory<HuberConfig>('huber', 'Huber'),
  CrossEntropy: factory<CrossEntropyConfig>('crossEntropy', 'CrossEntropy'),
  BinaryCrossEntropy: factory<BinaryCrossEntropyConfig>('binaryCrossEntropy', 'BinaryCrossEntropy'),
  NLL: factory<NllConfig>('nll', 'NLL'),
  KLDivergence: factory<KlDivergenceConfig>('klDivergence', 'KLDivergence'),
  Hinge: factory<HingeConfig>('hinge', 'Hinge'),
  CosineSimilarity: factory<CosineSimilarityConfig>('cosineSimilarity', 'CosineSimilarity'),
  fromConfig: (config: unknown): LossSpec => ({ kind: 'loss', config: lossFromConfig(config).config }),
};

/**
 * Decides how the loss meets the model's output activation. Softmax + cross-entropy and
 * sigmoid + binary cross-entropy are computed on the logits (fromLogits: true), which is exact
 * and never takes log(0); any other pairing uses the model's output as is.
 */
export function fuseOutput(
  loss: LossConfig,
  outputActivation: string | undefined,
): { loss: LossConfig; logits: boolean } {
  if (loss.name === 'crossEntropy' && outputActivation === 'softmax')
    return { loss: { ...loss, fromLogits: true }, logits: true };
  if (loss.name === 'binaryCrossEntropy' && outputActivation === 'sigmoid')
    return { loss: { ...loss, fromLogits: true }, logits: true };
  return { loss, logits: false };
}
