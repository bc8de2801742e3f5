import type { Tensor } from '../tensor/tensor.ts';
import { checkSlots, type GradientTransformation, zerosLike } from './transform.ts';

export interface ScaleByLionOptions {
  readonly beta1: number;
  readonly beta2: number;
}

export interface ScaleByLionState {
  readonly m: readonly Tensor[];
}

/**
 * Lion (Chen et al. 2023): u = sign(β1·m + (1−β1)·g), then m ← β2·m + (1−β2)·g. The update
 * interpolation and the momentum update use different betas, which is the point of Lion.
 */
export function scaleByLion(options: ScaleByLionOptions): GradientTransformation<ScaleByLionState> {
  const { beta1, beta2 } = options;
  return {
    init: (params) => ({ m: zerosLike(params) }),
    update(updates, state, params) {
      const ms = checkSlots(state.m, params, 'scaleByLion.m');
      const out = updates.map((g, i) =>
        ms[i]!.mul(beta1)
          .add(g.mul(1 - beta1))
          .sign(),
      );
      const m = updates.map((g, i) => ms[i]!.mul(beta2).add(g.mul(1 - beta2)));
      return { updates: out, state: { m } };
    },
  };
}
