import { ops, Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';

/**
 * −input[n, target, d…]·weight[target], through a one-hot mask over the class axis 1 (the
 * protocol has no gather). Targets equal to ignore_index contribute 0 and are left out of the mean.
 */
function nll(ctx: OpContext, logProb: Tensor, targetIndex: number, weightIndex: number): Tensor {
  const target = ctx.tensor(targetIndex).cast('int32');
  const c = logProb.shape[1];
  if (logProb.rank < 2 || c === undefined)
    ctx.fail(`input must be N, C, d… (rank ≥ 2), got rank ${logProb.rank}`);
  if (target.rank !== logProb.rank - 1)
    ctx.fail(`target must have rank ${logProb.rank - 1}, got ${target.rank}`);
  ctx.guard(logProb.shape);
  const reduction = ctx.string('reduction', 'mean');
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none')
    ctx.fail(`reduction '${reduction}' is not mean, sum or none`);
  const ignore = ctx.attr('ignore_index') ? ctx.int('ignore_index', 0) : undefined;
  const valid = ignore === undefined ? undefined : target.ne(ignore);
  const classShape = [1, c, ...target.shape.slice(1).map(() => 1)];
  const mask = target.expandDims(1).eq(Tensor.arange(c).reshape(classShape));
  const picked = Tensor.where(mask, logProb, 0).sum(1);
  let w: Tensor = ctx.has(weightIndex)
    ? Tensor.where(mask, ctx.tensor(weightIndex).reshape(classShape), 0).sum(1)
    : Tensor.ones(target.shape, logProb.dtype);
  if (valid) w = Tensor.where(valid, w, 0);
  const loss = picked.neg().mul(w);
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return loss.sum();
  return loss.sum().div(w.sum());
}

export const LOSS_OPS: Record<string, OpImpl> = {
  NegativeLogLikelihoodLoss: (ctx) => [nll(ctx, ctx.tensor(0), 1, 2)],
  SoftmaxCrossEntropyLoss: (ctx) => {
    const scores = ctx.tensor(0);
    if (scores.rank < 2) ctx.fail(`scores must be N, C, d… (rank ≥ 2), got rank ${scores.rank}`);
    const logProb = ops.logSoftmax(scores, 1);
    return [nll(ctx, logProb, 1, 2), logProb];
  },
};
