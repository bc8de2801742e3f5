import { checkKeys, type JsonObject } from '../config/validate.ts';
import { addWeightDecay } from './add-weight-decay.ts';
import { type LrConfig, optionsObject, readLr, readNonNegative, readPositive } from './config-fields.ts';
import { type Optimizer, optimizerFor } from './optimizer.ts';
import { scaleByAdagrad } from './scale-by-adagrad.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { chain, type GradientTransformation } from './transform.ts';

/** torch.optim.Adagrad. */
export interface AdagradConfig {
  readonly name: 'adagrad';
  readonly lr: LrConfig;
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;
}

export function parseAdagrad(obj: JsonObject, where: string): AdagradConfig {
  checkKeys(obj, ['name', 'lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'], where);
  return {
    name: 'adagrad',
    lr: readLr(obj, 0.01, where),
    lrDecay: readNonNegative(obj, 'lrDecay', 0, where),
    weightDecay: readNonNegative(obj, 'weightDecay', 0, where),
    initialAccumulatorValue: readNonNegative(obj, 'initialAccumulatorValue', 0, where),
    eps: readPositive(obj, 'eps', 1e-10, where),
  };
}

export function adagradTransform(config: AdagradConfig): GradientTransformation<unknown> {
  return chain(
    addWeightDecay(config.weightDecay),
    scaleByAdagrad(config),
    scaleByLearningRate(),
  ) as GradientTransformation<unknown>;
}

/** `adagrad(options)`: the optimizer from a partial config (defaults as in docs/configs.md). */
export function adagrad(options: Partial<Omit<AdagradConfig, 'name'>> = {}): Optimizer {
  return optimizerFor(parseAdagrad(optionsObject(options, 'adagrad'), 'adagrad'), adagradTransform);
}
