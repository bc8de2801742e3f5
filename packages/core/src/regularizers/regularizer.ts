import { isFloat } from '../dtype.ts';
import { fail } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** A weight penalty bound to its normalised config (all defaults filled in). */
export interface RegularizerOf<C> {
  readonly config: C;
  /** The scalar penalty, in the weights' dtype, to add to the loss. */
  penalty(weights: Tensor): Tensor;
}

export function makeRegularizer<C extends { readonly name: string }>(
  config: C,
  penalty: (weights: Tensor) => Tensor,
): RegularizerOf<C> {
  const frozen = Object.freeze({ ...config });
  return {
    config: frozen,
    penalty: (weights) => {
      if (!isFloat(weights.dtype)) {
        fail(`weights must be float32 or float64, got ${weights.dtype}`, {
          where: `regularizer '${config.name}'`,
        });
      }
      return penalty(weights);
    },
  };
}

/** λ·Σ|w|. abs's gradient is sign(w), so the gradient at w = 0 is 0 (a valid subgradient). */
export function l1Penalty(weights: Tensor, l1: number): Tensor {
  return weights.abs().sum().mul(l1);
}

/** λ·Σw² (Keras; no ½, unlike weight decay written as ½λ‖w‖²). */
export function l2Penalty(weights: Tensor, l2: number): Tensor {
  return weights.mul(weights).sum().mul(l2);
}
