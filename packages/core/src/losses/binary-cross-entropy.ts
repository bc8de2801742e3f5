import { checkKeys, type JsonObject, readBoolean } from '../config/validate.ts';
import { Tensor } from '../tensor/tensor.ts';
import { matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/**
 * torch binary_cross_entropy (probabilities, each log clamped at −100) or
 * binary_cross_entropy_with_logits (fromLogits: true), per element.
 */
export interface BinaryCrossEntropyConfig {
  readonly name: 'binaryCrossEntropy';
  readonly fromLogits: boolean;
  readonly reduction: Exclude<Reduction, 'batchmean'>;
}

export function parseBinaryCrossEntropy(obj: JsonObject, where: string): BinaryCrossEntropyConfig {
  checkKeys(obj, ['name', 'fromLogits', 'reduction'], where);
  return {
    name: 'binaryCrossEntropy',
    fromLogits: readBoolean(obj, 'fromLogits', false, where),
    reduction: readReduction(obj, where),
  };
}

export function binaryCrossEntropy(config: BinaryCrossEntropyConfig): LossOf<BinaryCrossEntropyConfig> {
  return makeLoss(config, (yTrue, yPred, where) => {
    const y = matchTargets(yTrue, yPred, where);
    const values = config.fromLogits ? withLogits(y, yPred) : withProbabilities(y, yPred);
    return reduce(values, config.reduction);
  });
}

/** max(x, 0) − x·y + log(1 + e^−|x|): e^−|x| ≤ 1, so nothing overflows for any finite logit. */
function withLogits(y: Tensor, x: Tensor): Tensor {
  return x.maximum(0).sub(x.mul(y)).add(x.abs().neg().exp().add(1).log());
}

/** −(y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)), as torch clamps. */
function withProbabilities(y: Tensor, p: Tensor): Tensor {
  return y
    .mul(clampedLog(p))
    .add(
      y
        .neg()
        .add(1)
        .mul(clampedLog(p.neg().add(1))),
    )
    .neg();
}

/**
 * max(log x, −100) with a gradient that is 0 (not 0·∞ = NaN) where x = 0: the log is taken of
 * a safe stand-in there. Past the clamp the gradient is that of the clamped value (0), whereas
 * torch's hand-written backward uses (p − y)/max(p(1 − p), 1e-12).
 */
function clampedLog(x: Tensor): Tensor {
  const positive = x.gt(0);
  const safe = Tensor.where(positive, x, 1);
  return Tensor.where(positive, safe.log().maximum(-100), -100);
}
