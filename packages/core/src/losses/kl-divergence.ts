import { checkKeys, type JsonObject, readBoolean } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { clip } from '../tensor/composite.ts';
import { Tensor } from '../tensor/tensor.ts';
import { matchTargets } from './checks.ts';
import { type LossOf, makeLoss, readReduction } from './loss.ts';
import { type Reduction, reduce } from './reduce.ts';

/**
 * KL(p ‖ q) per element, p = yTrue. logInput: true is torch kl_div (yPred holds log q):
 * p·(log p − yPred), 0 where p = 0. logInput: false is Keras (yPred holds q): p·log(p/q) with p
 * and q clipped to [1e-7, 1]. Keras sums over the last axis and averages rows, which is
 * reduction 'batchmean' here for 2-D inputs; torch's 'mean' averages every element.
 */
export interface KlDivergenceConfig {
  readonly name: 'klDivergence';
  readonly logInput: boolean;
  readonly reduction: Reduction;
}

export function parseKlDivergence(obj: JsonObject, where: string): KlDivergenceConfig {
  checkKeys(obj, ['name', 'logInput', 'reduction'], where);
  return {
    name: 'klDivergence',
    logInput: readBoolean(obj, 'logInput', true, where),
    reduction: readReduction(obj, where, ['mean', 'sum', 'none', 'batchmean']),
  };
}

export function klDivergence(config: KlDivergenceConfig): LossOf<KlDivergenceConfig> {
  return makeLoss(config, (yTrue, yPred, where) => {
    const p = matchTargets(yTrue, yPred, where);
    if (config.reduction === 'batchmean' && yPred.rank === 0) {
      fail("reduction 'batchmean' needs a batch axis but yPred is a scalar", {
        where,
        hint: "use 'mean' or 'sum'",
      });
    }
    const values = config.logInput ? fromLogInput(p, yPred) : fromProbabilities(p, yPred);
    return reduce(values, config.reduction);
  });
}

/** The log is taken of a stand-in 1 where p = 0 so neither value nor gradient becomes NaN. */
function fromLogInput(p: Tensor, logQ: Tensor): Tensor {
  const positive = p.gt(0);
  const logP = Tensor.where(positive, p, 1).log();
  return Tensor.where(positive, p.mul(logP.sub(logQ)), 0);
}

function fromProbabilities(p: Tensor, q: Tensor): Tensor {
  const pc = clip(p, 1e-7, 1);
  return pc.mul(pc.div(clip(q, 1e-7, 1)).log());
}
