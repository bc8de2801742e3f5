import type { Tensor } from '../tensor/tensor.ts';
import { checkSlots, type GradientTransformation, zerosLike } from './transform.ts';

export interface ScaleByAdagradOptions {
  readonly lrDecay?: number;
  readonly initialAccumulatorValue?: number;
  readonly eps: number;
}

export interface ScaleByAdagradState {
  readonly sum: readonly Tensor[];
}

/**
 * torch.optim.Adagrad: s ← s + g², u = g / (sqrt(s) + eps) / (1 + (t−1)·lrDecay). The decay
 * factor is part of torch's effective learning rate `clr`; it is folded in here so the learning
 * rate itself stays a plain (possibly scheduled) scalar.
 */
export function scaleByAdagrad(options: ScaleByAdagradOptions): GradientTransformation<ScaleByAdagradState> {
  const lrDecay = options.lrDecay ?? 0;
  const { eps } = options;
  return {
    init: (params) => ({ sum: zerosLike(params, options.initialAccumulatorValue ?? 0) }),
    update(updates, state, params, ctx) {
      const sums = checkSlots(state.sum, params, 'scaleByAdagrad.sum');
      const decay = ctx.step.sub(1).mul(lrDecay).add(1);
      const sum = updates.map((g, i) => sums[i]!.add(g.mul(g)));
      const out = updates.map((g, i) => {
        const u = g.div(sum[i]!.sqrt().add(eps));
        return lrDecay === 0 ? u : u.div(decay.cast(g.dtype));
      });
      return { updates: out, state: { sum } };
    },
  };
}
