import { checkKeys, type JsonObject, readBoolean, readNumber } from '../config/validate.ts';
import { clip, logSoftmax } from '../tensor/composite.ts';
import { Tensor } from '../tensor/tensor.ts';
import { checkClassIndices, checkClassWeights, classCount, matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readClassWeights, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/**
 * Categorical cross-entropy over the last axis, one value per row: −Σ_c t_c·w_c·log q_c with
 * t the (smoothed) target distribution and w the class weights.
 *
 * fromLogits: true is torch cross_entropy: log q = logSoftmax(yPred). fromLogits: false takes
 * probabilities as Keras does: log q = log(clip(yPred / Σ yPred, 1e-7, 1 − 1e-7)).
 *
 * Targets are class indices (int32) or probabilities (yPred's shape). Label smoothing replaces t
 * by (1 − ε)·t + ε/C, which for index targets is torch's (1 − ε)·nll + (ε/C)·Σ_c −w_c·log q_c.
 * With class weights, 'mean' divides index-target losses by Σ_i w[y_i] (torch's nll_loss
 * convention, also used by its smoothing term) but probability-target losses by the row count
 * (torch's soft-target cross_entropy does the same).
 */
export interface CrossEntropyConfig {
  readonly name: 'crossEntropy';
  readonly fromLogits: boolean;
  readonly labelSmoothing: number;
  readonly classWeights?: readonly number[];
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseCrossEntropy(obj: JsonObject, where: string): CrossEntropyConfig {
  checkKeys(obj, ['name', 'fromLogits', 'labelSmoothing', 'classWeights', 'reduction'], where);
  const classWeights = readClassWeights(obj, where);
  return {
    name: 'crossEntropy',
    fromLogits: readBoolean(obj, 'fromLogits', true, where),
    labelSmoothing: readNumber(obj, 'labelSmoothing', 0, where, { min: 0, max: 1 }),
    ...(classWeights ? { classWeights } : {}),
    reduction: readReduction(obj, where),
  };
}

export function crossEntropy(config: CrossEntropyConfig): LossOf<CrossEntropyConfig> {
  const { fromLogits, labelSmoothing: eps, classWeights, reduction } = config;
  return makeLoss(config, (yTrue, yPred, where) => {
    const classes = classCount(yPred, where);
    const probabilityTargets = yTrue.dtype !== 'int32';
    const t = probabilityTargets ? matchTargets(yTrue, yPred, where) : undefined;
    if (!probabilityTargets) checkClassIndices(yTrue, yPred, where);
    checkClassWeights(classWeights, classes, where);
    const logQ = fromLogits ? logSoftmax(yPred) : clippedLogProbabilities(yPred);
    const w = classWeights ? Tensor.fromData(classWeights, [classes], yPred.dtype) : undefined;
    const weightedLogQ = w ? logQ.mul(w) : logQ;

    if (t) {
      const smoothed = eps > 0 ? t.mul(1 - eps).add(eps / classes) : t;
      return reduce(smoothed.mul(weightedLogQ).sum(-1).neg(), reduction);
    }

    // Gather with `where`, not a one-hot product, so −∞ logits of other classes (masking) give
    // 0 rather than 0·(−∞) = NaN.
    const isTarget = yTrue.expandDims(-1).eq(Tensor.arange(classes, 'int32'));
    let values = Tensor.where(isTarget, weightedLogQ, 0).sum(-1).neg();
    if (eps > 0) values = values.mul(1 - eps).sub(weightedLogQ.sum(-1).mul(eps / classes));
    const rowWeights = w ? Tensor.where(isTarget, w, 0).sum(-1) : undefined;
    return reduce(values, reduction, rowWeights ? { weights: rowWeights } : {});
  });
}

/** Keras: renormalise each row to sum 1, then clip away from 0 and 1 before the log. */
function clippedLogProbabilities(p: Tensor): Tensor {
  return clip(p.div(p.sum(-1, true)), 1e-7, 1 - 1e-7).log();
}
