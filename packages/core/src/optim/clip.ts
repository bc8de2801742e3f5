import { fail } from '../errors.ts';
import { clip } from '../tensor/composite.ts';
import { Tensor } from '../tensor/tensor.ts';
import { type GradientTransformation, stateless } from './transform.ts';

/**
 * Scales all updates together so their global L2 norm is at most maxNorm (Optax form:
 * unchanged when ‖u‖ < maxNorm, else u·maxNorm/‖u‖; torch's clip_grad_norm_ adds 1e-6 to the
 * norm instead). The norm is accumulated in float64 so mixed-dtype models share one factor.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    fail(`maxNorm must be a finite number > 0, got ${maxNorm}`, { where: 'clipByGlobalNorm' });
  }
  return {
    init: () => null,
    update(updates, state) {
      if (updates.length === 0) return { updates: [], state };
      const squares = updates.map((u) => u.cast('float64').square().sum());
      const total = squares.reduce((a, b) => a.add(b)).sqrt();
      const factor = Tensor.where(total.lt(maxNorm), 1, Tensor.scalar(maxNorm, 'float64').div(total));
      return { updates: updates.map((u) => u.mul(factor.cast(u.dtype))), state };
    },
  };
}

/** Clips every update element to [min, max]. */
export function clipByValue(min: number, max: number): GradientTransformation<null> {
  if (!(min <= max)) fail(`min ${min} exceeds max ${max}`, { where: 'clipByValue' });
  return stateless((u) => clip(u, min, max));
}
