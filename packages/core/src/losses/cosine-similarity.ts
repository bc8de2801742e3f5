import { checkKeys, type JsonObject } from '../config/validate.ts';
import { square } from '../tensor/composite.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { classCount, matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/**
 * Keras cosine_similarity loss: −Σ (ŷ/‖ŷ‖)·(y/‖y‖) over the last axis, one value per row. Norms
 * are clamped at √1e-12 (Keras l2_normalize), so a zero row gives 0 and a finite gradient.
 */
export interface CosineSimilarityConfig {
  readonly name: 'cosineSimilarity';
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseCosineSimilarity(obj: JsonObject, where: string): CosineSimilarityConfig {
  checkKeys(obj, ['name', 'reduction'], where);
  return { name: 'cosineSimilarity', reduction: readReduction(obj, where) };
}

export function cosineSimilarity(config: CosineSimilarityConfig): LossOf<CosineSimilarityConfig> {
  return makeLoss(config, (yTrue, yPred, where) => {
    classCount(yPred, where);
    const y = matchTargets(yTrue, yPred, where);
    return reduce(l2Normalize(yPred).mul(l2Normalize(y)).sum(-1).neg(), config.reduction);
  });
}

function l2Normalize(x: Tensor): Tensor {
  return x.div(square(x).sum(-1, true).maximum(1e-12).sqrt());
}
