import { checkKeys, type JsonObject } from '../config/validate.ts';
import { square } from '../tensor/composite.ts';
import { matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/** torch mse_loss: (ŷ − y)² per element. */
export interface MseConfig {
  readonly name: 'mse';
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseMse(obj: JsonObject, where: string): MseConfig {
  checkKeys(obj, ['name', 'reduction'], where);
  return { name: 'mse', reduction: readReduction(obj, where) };
}

export function mse(config: MseConfig): LossOf<MseConfig> {
  return makeLoss(config, (yTrue, yPred, where) => {
    const y = matchTargets(yTrue, yPred, where);
    return reduce(square(yPred.sub(y)), config.reduction);
  });
}
