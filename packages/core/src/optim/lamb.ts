import { checkKeys, type JsonObject } from '../config/validate.ts';
import { addDecayedWeights } from './add-decayed-weights.ts';
import {
  type LrConfig,
  optionsObject,
  readLr,
  readNonNegative,
  readPositive,
  readRate,
} from './config-fields.ts';
import { type Optimizer, optimizerFor } from './optimizer.ts';
import { scaleByAdam } from './scale-by-adam.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { scaleByTrustRatio } from './scale-by-trust-ratio.ts';
import { chain, type GradientTransformation } from './transform.ts';

/** LAMB (You et al. 2020) with bias correction and a per-tensor trust ratio. */
export interface LambConfig {
  readonly name: 'lamb';
  readonly lr: LrConfig;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export function parseLamb(obj: JsonObject, where: string): LambConfig {
  checkKeys(obj, ['name', 'lr', 'beta1', 'beta2', 'eps', 'weightDecay'], where);
  return {
    name: 'lamb',
    lr: readLr(obj, 1e-3, where),
    beta1: readRate(obj, 'beta1', 0.9, where),
    beta2: readRate(obj, 'beta2', 0.999, where),
    eps: readPositive(obj, 'eps', 1e-6, where),
    weightDecay: readNonNegative(obj, 'weightDecay', 0, where),
  };
}

/** r = m̂/(sqrt(v̂)+eps) + wd·p; p −= lr·trust·r. */
export function lambTransform(config: LambConfig): GradientTransformation<unknown> {
  return chain(
    scaleByAdam(config),
    addDecayedWeights(config.weightDecay),
    scaleByTrustRatio(),
    scaleByLearningRate(),
  ) as GradientTransformation<unknown>;
}

/** `lamb(options)`: the optimizer from a partial config (defaults as in docs/configs.md). */
export function lamb(options: Partial<Omit<LambConfig, 'name'>> = {}): Optimizer {
  return optimizerFor(parseLamb(optionsObject(options, 'lamb'), 'lamb'), lambTransform);
}
