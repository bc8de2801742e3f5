import type { Tensor } from '../tensor/tensor.ts';
import type { EpsilonStyle } from './scale-by-adam.ts';
import { checkSlots, type GradientTransformation, zerosLike } from './transform.ts';

export interface ScaleByRmsOptions {
  /** Decay of the running mean of g² (torch `alpha`, Keras `rho`). */
  readonly alpha: number;
  readonly eps: number;
  /** Divide by the running standard deviation, v − mean(g)², instead of the raw RMS. */
  readonly centered?: boolean;
  /** 'pytorch': g / (sqrt(v) + eps). 'keras': g / sqrt(v + eps), as tfjs does. */
  readonly epsilonStyle?: EpsilonStyle;
}

export interface ScaleByRmsState {
  readonly v: readonly Tensor[];
  /** Running mean of g; empty unless centered. */
  readonly mg: readonly Tensor[];
}

/** RMSprop's scaling (momentum is a separate traceMomentum, as in torch and tfjs). */
export function scaleByRms(options: ScaleByRmsOptions): GradientTransformation<ScaleByRmsState> {
  const { alpha, eps } = options;
  const centered = options.centered ?? false;
  const keras = options.epsilonStyle === 'keras';
  return {
    init: (params) => ({ v: zerosLike(params), mg: centered ? zerosLike(params) : [] }),
    update(updates, state, params) {
      const vs = checkSlots(state.v, params, 'scaleByRms.v');
      const mgs = centered ? checkSlots(state.mg, params, 'scaleByRms.mg') : [];
      const v: Tensor[] = [];
      const mg: Tensor[] = [];
      const out = updates.map((g, i) => {
        const vi = vs[i]!.mul(alpha).add(g.mul(g).mul(1 - alpha));
        v.push(vi);
        let variance = vi;
        if (centered) {
          // torch: grad_avg.lerp_(g, 1−α), then v − grad_avg².
          const mgi = mgs[i]!.add(g.sub(mgs[i]!).mul(1 - alpha));
          mg.push(mgi);
          variance = vi.sub(mgi.mul(mgi));
        }
        const denom = keras ? variance.add(eps).sqrt() : variance.sqrt().add(eps);
        return g.div(denom);
      });
      return { updates: out, state: { v, mg } };
    },
  };
}
