import type { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';

/** A per-channel vector [C] shaped to broadcast against N, C, D1.. of rank `rank`. */
function channel(ctx: OpContext, i: number, rank: number): Tensor {
  const t = ctx.tensor(i);
  return t.reshape([1, t.size, ...Array<number>(Math.max(rank - 2, 0)).fill(1)]);
}

/** Inference-mode batch norm with the running statistics (training_mode is refused). */
function batchNorm(ctx: OpContext): Tensor {
  if (ctx.int('training_mode', 0) === 1)
    ctx.fail('training_mode = 1 is not supported', 'import for inference only');
  if (ctx.opset < 9 && ctx.int('spatial', 1) !== 1) ctx.fail('spatial = 0 is not supported');
  const x = ctx.tensor(0);
  const eps = ctx.float('epsilon', 1e-5);
  const r = x.rank;
  const scale = channel(ctx, 1, r);
  const bias = channel(ctx, 2, r);
  const mean = channel(ctx, 3, r);
  const variance = channel(ctx, 4, r);
  return x.sub(mean).div(variance.add(eps).sqrt()).mul(scale).add(bias);
}

/** LayerNormalization over axes [axis, rank); also returns Mean and InvStdDev when asked. */
function layerNorm(ctx: OpContext): Tensor[] {
  const x = ctx.tensor(0);
  const axis = ctx.axis(ctx.int('axis', -1), x.rank);
  const eps = ctx.float('epsilon', 1e-5);
  const axes = x.shape.map((_, i) => i).filter((i) => i >= axis);
  const mean = x.mean(axes, true);
  const centred = x.sub(mean);
  const invStd = centred.mul(centred).mean(axes, true).add(eps).sqrt().pow(-1);
  let y = centred.mul(invStd).mul(ctx.tensor(1));
  if (ctx.has(2)) y = y.add(ctx.tensor(2));
  return [y, mean, invStd];
}

function instanceNorm(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const eps = ctx.float('epsilon', 1e-5);
  const axes = x.shape.map((_, i) => i).slice(2);
  const mean = x.mean(axes, true);
  const centred = x.sub(mean);
  const y = centred.div(centred.mul(centred).mean(axes, true).add(eps).sqrt());
  return y.mul(channel(ctx, 1, x.rank)).add(channel(ctx, 2, x.rank));
}

export const NORM_OPS: Record<string, OpImpl> = {
  BatchNormalization: (ctx) => [batchNorm(ctx)],
  LayerNormalization: layerNorm,
  InstanceNormalization: (ctx) => [instanceNorm(ctx)],
};
