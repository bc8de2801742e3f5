import { checkKeys, type JsonObject } from '../config/validate.ts';
import { fail } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/**
 * Keras hinge, kept elementwise: max(1 − y·ŷ, 0) with y ∈ {−1, 1}. Keras silently maps {0, 1}
 * labels to {−1, 1}; Reptile instead rejects them (when yTrue is on the host) so 0 labels are
 * never mistaken for "no margin".
 */
export interface HingeConfig {
  readonly name: 'hinge';
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseHinge(obj: JsonObject, where: string): HingeConfig {
  checkKeys(obj, ['name', 'reduction'], where);
  return { name: 'hinge', reduction: readReduction(obj, where) };
}

export function hinge(config: HingeConfig): LossOf<HingeConfig> {
  return makeLoss(config, (yTrue, yPred, where) => {
    const y = matchTargets(yTrue, yPred, where);
    checkSignLabels(yTrue, where);
    return reduce(y.mul(yPred).neg().add(1).maximum(0), config.reduction);
  });
}

function checkSignLabels(yTrue: Tensor, where: string): void {
  const op = yTrue.node.op;
  const values = yTrue.node.cached ?? (op.kind === 'constant' ? op.data : undefined);
  if (!values) return;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 1 && values[i] !== -1) {
      fail(`yTrue[${i}] = ${values[i]} is not a hinge label`, {
        where,
        hint: 'hinge labels are −1 or 1; map {0, 1} labels with y·2 − 1',
      });
    }
  }
}
