import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { square } from '../tensor/composite.ts';
import { Tensor } from '../tensor/tensor.ts';
import { matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/** torch huber_loss: ½d² where |d| ≤ δ, else δ(|d| − ½δ), with d = ŷ − y. */
export interface HuberConfig {
  readonly name: 'huber';
  readonly delta: number;
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseHuber(obj: JsonObject, where: string): HuberConfig {
  checkKeys(obj, ['name', 'delta', 'reduction'], where);
  return {
    name: 'huber',
    // torch rejects δ ≤ 0: the quadratic zone would vanish.
    delta: readNumber(obj, 'delta', 1, where, { min: 0, exclusiveMin: true }),
    reduction: readReduction(obj, where),
  };
}

export function huber(config: HuberConfig): LossOf<HuberConfig> {
  const { delta } = config;
  return makeLoss(config, (yTrue, yPred, where) => {
    const d = yPred.sub(matchTargets(yTrue, yPred, where));
    const a = d.abs();
    // Both branches agree (value δ²/2, slope δ) at |d| = δ, so the tie choice does not matter.
    const values = Tensor.where(a.le(delta), square(d).mul(0.5), a.sub(0.5 * delta).mul(delta));
    return reduce(values, config.reduction);
  });
}
