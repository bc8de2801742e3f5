import type { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';

function matrix(ctx: OpContext, i: number, transpose: boolean): Tensor {
  const t = ctx.tensor(i);
  if (t.rank !== 2) ctx.fail(`input ${i} must be a matrix, got rank ${t.rank}`);
  return transpose ? t.transpose([1, 0]) : t;
}

/** Gemm: alpha·A'·B' + beta·C with C broadcast to [M, N]. */
function gemm(ctx: OpContext): Tensor {
  const a = matrix(ctx, 0, ctx.int('transA', 0) === 1);
  const b = matrix(ctx, 1, ctx.int('transB', 0) === 1);
  if (a.shape[1] !== b.shape[0])
    ctx.fail(`inner dims differ: [${a.shape.join(',')}] x [${b.shape.join(',')}]`);
  const alpha = ctx.float('alpha', 1);
  const beta = ctx.float('beta', 1);
  let y = a.matmul(b);
  if (alpha !== 1) y = y.mul(alpha);
  if (ctx.has(2)) {
    const c = ctx.tensor(2);
    y = y.add(beta === 1 ? c : c.mul(beta));
  }
  return y;
}

export const LINALG_OPS: Record<string, OpImpl> = {
  MatMul: (ctx) => {
    const a = ctx.tensor(0);
    const b = ctx.tensor(1);
    if (a.rank === 0 || b.rank === 0) ctx.fail('operands must have rank ≥ 1');
    return [ctx.like(a.matmul(b))];
  },
  Gemm: (ctx) => [ctx.like(gemm(ctx))],
};
