import { type GradientTransformation, stateless } from './transform.ts';

/**
 * u ← −lr · u, with lr from the step context (a schedule is evaluated by the driver). The sign
 * flip lives here because updates are added to params.
 */
export function scaleByLearningRate(): GradientTransformation<null> {
  return stateless((u, _p, ctx) => u.mul(ctx.lr.neg().cast(u.dtype)));
}
