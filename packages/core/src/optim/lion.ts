import { checkKeys, type JsonObject } from '../config/validate.ts';
import { addDecayedWeights } from './add-decayed-weights.ts';
import { type LrConfig, optionsObject, readLr, readNonNegative, readRate } from './config-fields.ts';
import { type Optimizer, optimizerFor } from './optimizer.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { scaleByLion } from './scale-by-lion.ts';
import { chain, type GradientTransformation } from './transform.ts';

/** Lion (Chen et al. 2023), decoupled weight decay: p −= lr·(sign(c) + wd·p). */
export interface LionConfig {
  readonly name: 'lion';
  readonly lr: LrConfig;
  readonly beta1: number;
  readonly beta2: number;
  readonly weightDecay: number;
}

export function parseLion(obj: JsonObject, where: string): LionConfig {
  checkKeys(obj, ['name', 'lr', 'beta1', 'beta2', 'weightDecay'], where);
  return {
    name: 'lion',
    lr: readLr(obj, 1e-4, where),
    beta1: readRate(obj, 'beta1', 0.9, where),
    beta2: readRate(obj, 'beta2', 0.99, where),
    weightDecay: readNonNegative(obj, 'weightDecay', 0, where),
  };
}

export function lionTransform(config: LionConfig): GradientTransformation<unknown> {
  return chain(
    scaleByLion(config),
    addDecayedWeights(config.weightDecay),
    scaleByLearningRate(),
  ) as GradientTransformation<unknown>;
}

/** `lion(options)`: the optimizer from a partial config (defaults as in docs/configs.md). */
export function lion(options: Partial<Omit<LionConfig, 'name'>> = {}): Optimizer {
  return optimizerFor(parseLion(optionsObject(options, 'lion'), 'lion'), lionTransform);
}
