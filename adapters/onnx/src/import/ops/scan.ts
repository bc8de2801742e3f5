import { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';

/**
 * CumSum along one axis as a masked sum against a triangular [n, n] mask (where + sum rather than
 * a matmul, so ints stay exact and an infinite element does not turn the zeros into NaN).
 */
function cumSum(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const axisValue = ctx.ints(1)?.[0] ?? ctx.fail('needs an axis');
  const axis = ctx.axis(axisValue, x.rank);
  const exclusive = ctx.int('exclusive', 0) === 1;
  const reverse = ctx.int('reverse', 0) === 1;
  const n = x.shape[axis]!;
  ctx.guard([...x.shape, n]);
  // mask[i, j]: does input position i contribute to output position j?
  const mask = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const before = reverse ? i > j : i < j;
      mask[i * n + j] = before || (!exclusive && i === j) ? 1 : 0;
    }
  }
  const moved = x.transpose([...x.shape.keys()].filter((i) => i !== axis).concat(axis));
  const m = Tensor.fromData(mask, [n, n], 'bool');
  const asNumber = x.dtype === 'bool' ? moved.cast('int32') : moved;
  const summed = Tensor.where(m, asNumber.expandDims(-1), 0).sum(-2);
  const back = [...x.shape.keys()].map((i) => (i < axis ? i : i === axis ? x.rank - 1 : i - 1));
  return summed.transpose(back);
}

/** Trilu: keeps the upper (j − i ≥ k) or lower (j − i ≤ k) triangle of the last two axes. */
function trilu(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  if (x.rank < 2) ctx.fail(`input must have rank ≥ 2, got ${x.rank}`);
  const k = ctx.ints(1)?.[0] ?? 0;
  const upper = ctx.int('upper', 1) === 1;
  const [r, c] = x.shape.slice(-2) as [number, number];
  const mask = new Uint8Array(r * c);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) mask[i * c + j] = (upper ? j - i >= k : j - i <= k) ? 1 : 0;
  return Tensor.where(Tensor.fromData(mask, [r, c], 'bool'), x, 0);
}

export const SCAN_OPS: Record<string, OpImpl> = {
  CumSum: (ctx) => [ctx.like(cumSum(ctx))],
  Trilu: (ctx) => [ctx.like(trilu(ctx))],
};
