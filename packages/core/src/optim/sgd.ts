import { checkKeys, type JsonObject, readBoolean } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { addWeightDecay } from './add-weight-decay.ts';
import { type LrConfig, optionsObject, readLr, readNonNegative, readRate } from './config-fields.ts';
import { type Optimizer, optimizerFor } from './optimizer.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { traceMomentum } from './trace-momentum.ts';
import { chain, type GradientTransformation } from './transform.ts';

/** torch.optim.SGD. */
export interface SgdConfig {
  readonly name: 'sgd';
  readonly lr: LrConfig;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

export function parseSgd(obj: JsonObject, where: string): SgdConfig {
  checkKeys(obj, ['name', 'lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'], where);
  const config: SgdConfig = {
    name: 'sgd',
    lr: readLr(obj, 0.01, where),
    momentum: readRate(obj, 'momentum', 0, where),
    dampening: readRate(obj, 'dampening', 0, where),
    nesterov: readBoolean(obj, 'nesterov', false, where),
    weightDecay: readNonNegative(obj, 'weightDecay', 0, where),
  };
  if (config.nesterov && (config.momentum === 0 || config.dampening !== 0)) {
    // torch raises the same: Nesterov needs a momentum buffer and no dampening.
    fail('nesterov needs momentum > 0 and dampening 0', { where: `${where}.nesterov`, hint: 'set momentum' });
  }
  return config;
}

/** g + wd·p, torch's momentum buffer, then −lr. */
export function sgdTransform(config: SgdConfig): GradientTransformation<unknown> {
  const parts: GradientTransformation<unknown>[] = [addWeightDecay(config.weightDecay)];
  if (config.momentum !== 0) {
    parts.push(
      traceMomentum({ momentum: config.momentum, dampening: config.dampening, nesterov: config.nesterov }),
    );
  }
  parts.push(scaleByLearningRate());
  return chain(...parts);
}

/** `sgd(options)`: the optimizer from a partial config (defaults as in docs/configs.md). */
export function sgd(options: Partial<Omit<SgdConfig, 'name'>> = {}): Optimizer {
  return optimizerFor(parseSgd(optionsObject(options, 'sgd'), 'sgd'), sgdTransform);
}
