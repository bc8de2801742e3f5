import { checkKeys, type JsonObject } from '../config/validate.ts';
import { matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/** torch l1_loss: |ŷ − y| per element (gradient 0 where ŷ = y, as torch's sign(0) = 0). */
export interface MaeConfig {
  readonly name: 'mae';
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseMae(obj: JsonObject, where: string): MaeConfig {
  checkKeys(obj, ['name', 'reduction'], where);
  return { name: 'mae', reduction: readReduction(obj, where) };
}

export function mae(config: MaeConfig): LossOf<MaeConfig> {
  return makeLoss(config, (yTrue, yPred, where) => {
    const y = matchTargets(yTrue, yPred, where);
    return reduce(yPred.sub(y).abs(), config.reduction);
  });
}
