import type { JsonObject } from '../config/validate.ts';
import type { AdamConfig } from './adam.ts';
import { parseAdamFields } from './adam.ts';
import { addDecayedWeights } from './add-decayed-weights.ts';
import { optionsObject } from './config-fields.ts';
import { type Optimizer, optimizerFor } from './optimizer.ts';
import { scaleByAdam } from './scale-by-adam.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { chain, type GradientTransformation } from './transform.ts';

/** torch.optim.AdamW: decoupled decay, p·(1 − lr·wd), then the Adam step; default wd 0.01. */
export interface AdamWConfig extends Omit<AdamConfig, 'name'> {
  readonly name: 'adamw';
}

export function parseAdamW(obj: JsonObject, where: string): AdamWConfig {
  return { name: 'adamw', ...parseAdamFields(obj, 0.01, where) };
}

export function adamwTransform(config: AdamWConfig): GradientTransformation<unknown> {
  return chain(
    scaleByAdam(config),
    addDecayedWeights(config.weightDecay),
    scaleByLearningRate(),
  ) as GradientTransformation<unknown>;
}

/** `adamw(options)`: the optimizer from a partial config (defaults as in docs/configs.md). */
export function adamw(options: Partial<Omit<AdamWConfig, 'name'>> = {}): Optimizer {
  return optimizerFor(parseAdamW(optionsObject(options, 'adamw'), 'adamw'), adamwTransform);
}
