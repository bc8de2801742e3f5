import { checkKeys, type JsonObject } from '../config/validate.ts';
import { Tensor } from '../tensor/tensor.ts';
import { checkClassIndices, checkClassWeights } from './checks.ts';
import { type LossOf, makeLoss, readClassWeights, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/**
 * torch nll_loss: −w[y]·yPred[y] per row, yPred holding log-probabilities on its last axis and
 * yTrue int32 class indices. With class weights, 'mean' divides by Σ_i w[y_i].
 */
export interface NllConfig {
  readonly name: 'nll';
  readonly classWeights?: readonly number[];
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseNll(obj: JsonObject, where: string): NllConfig {
  checkKeys(obj, ['name', 'classWeights', 'reduction'], where);
  const classWeights = readClassWeights(obj, where);
  return { name: 'nll', ...(classWeights ? { classWeights } : {}), reduction: readReduction(obj, where) };
}

export function nll(config: NllConfig): LossOf<NllConfig> {
  const { classWeights, reduction } = config;
  return makeLoss(config, (yTrue, yPred, where) => {
    const classes = checkClassIndices(yTrue, yPred, where);
    checkClassWeights(classWeights, classes, where);
    const isTarget = yTrue.expandDims(-1).eq(Tensor.arange(classes, 'int32'));
    // `where` gathers the target entry only, so −∞ log-probabilities elsewhere are harmless.
    const picked = Tensor.where(isTarget, yPred, 0).sum(-1);
    if (!classWeights) return reduce(picked.neg(), reduction);
    const rowWeights = Tensor.where(isTarget, Tensor.fromData(classWeights, [classes], yPred.dtype), 0).sum(
      -1,
    );
    return reduce(picked.mul(rowWeights).neg(), reduction, { weights: rowWeights });
  });
}
