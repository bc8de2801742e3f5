import { checkKeys, type JsonObject, readBoolean } from '../config/validate.ts';
import { addWeightDecay } from './add-weight-decay.ts';
import {
  type LrConfig,
  optionsObject,
  readEpsilonStyle,
  readLr,
  readNonNegative,
  readPositive,
  readRate,
} from './config-fields.ts';
import { type Optimizer, optimizerFor } from './optimizer.ts';
import { type EpsilonStyle, scaleByAdam } from './scale-by-adam.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { chain, type GradientTransformation } from './transform.ts';

/** torch.optim.Adam; weight decay is coupled (g += wd·p). */
export interface AdamConfig {
  readonly name: 'adam';
  readonly lr: LrConfig;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  readonly epsilonStyle: EpsilonStyle;
}

const ADAM_FIELDS = ['name', 'lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'amsgrad', 'epsilonStyle'];

/** Fields shared by adam and adamw; only the weight-decay default differs. */
export function parseAdamFields(
  obj: JsonObject,
  weightDecay: number,
  where: string,
): Omit<AdamConfig, 'name'> {
  checkKeys(obj, ADAM_FIELDS, where);
  return {
    lr: readLr(obj, 1e-3, where),
    beta1: readRate(obj, 'beta1', 0.9, where),
    beta2: readRate(obj, 'beta2', 0.999, where),
    eps: readPositive(obj, 'eps', 1e-8, where),
    weightDecay: readNonNegative(obj, 'weightDecay', weightDecay, where),
    amsgrad: readBoolean(obj, 'amsgrad', false, where),
    epsilonStyle: readEpsilonStyle(obj, where),
  };
}

export function parseAdam(obj: JsonObject, where: string): AdamConfig {
  return { name: 'adam', ...parseAdamFields(obj, 0, where) };
}

export function adamTransform(config: AdamConfig): GradientTransformation<unknown> {
  return chain(
    addWeightDecay(config.weightDecay),
    scaleByAdam(config),
    scaleByLearningRate(),
  ) as GradientTransformation<unknown>;
}

/** `adam(options)`: the optimizer from a partial config (defaults as in docs/configs.md). */
export function adam(options: Partial<Omit<AdamConfig, 'name'>> = {}): Optimizer {
  return optimizerFor(parseAdam(optionsObject(options, 'adam'), 'adam'), adamTransform);
}
