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
import type { EpsilonStyle } from './scale-by-adam.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { scaleByRms } from './scale-by-rms.ts';
import { traceMomentum } from './trace-momentum.ts';
import { chain, type GradientTransformation } from './transform.ts';

/** torch.optim.RMSprop; epsilonStyle 'keras' is tfjs's RMSPropOptimizer. */
export interface RmspropConfig {
  readonly name: 'rmsprop';
  readonly lr: LrConfig;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly epsilonStyle: EpsilonStyle;
}

export function parseRmsprop(obj: JsonObject, where: string): RmspropConfig {
  checkKeys(
    obj,
    ['name', 'lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'epsilonStyle'],
    where,
  );
  return {
    name: 'rmsprop',
    lr: readLr(obj, 0.01, where),
    alpha: readRate(obj, 'alpha', 0.99, where),
    eps: readPositive(obj, 'eps', 1e-8, where),
    weightDecay: readNonNegative(obj, 'weightDecay', 0, where),
    momentum: readRate(obj, 'momentum', 0, where),
    centered: readBoolean(obj, 'centered', false, where),
    epsilonStyle: readEpsilonStyle(obj, where),
  };
}

/**
 * torch: b ← μ·b + g/(sqrt(v)+eps); p −= lr·b (lr applied after the buffer).
 * tfjs: b ← μ·b + lr·g/sqrt(v+eps); p −= b (lr folded INTO the buffer), which differs from
 * torch when the learning rate changes between steps, so the momentum goes after the lr there.
 */
export function rmspropTransform(config: RmspropConfig): GradientTransformation<unknown> {
  const momentum = config.momentum === 0 ? [] : [traceMomentum({ momentum: config.momentum })];
  const rms = scaleByRms(config);
  const lr = scaleByLearningRate();
  const parts: GradientTransformation<unknown>[] =
    config.epsilonStyle === 'keras' ? [rms, lr, ...momentum] : [rms, ...momentum, lr];
  return chain(addWeightDecay(config.weightDecay), ...parts);
}

/** `rmsprop(options)`: the optimizer from a partial config (defaults as in docs/configs.md). */
export function rmsprop(options: Partial<Omit<RmspropConfig, 'name'>> = {}): Optimizer {
  return optimizerFor(parseRmsprop(optionsObject(options, 'rmsprop'), 'rmsprop'), rmspropTransform);
}
