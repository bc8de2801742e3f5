import { Tensor } from '../tensor/tensor.ts';
import { checkSlots, type GradientTransformation, type StepContext, zerosLike } from './transform.ts';

export type EpsilonStyle = 'pytorch' | 'keras';

export interface ScaleByAdamOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly amsgrad?: boolean;
  /**
   * 'pytorch': m̂ / (sqrt(v)/sqrt(1−β2^t) + eps) with m̂ = m/(1−β1^t) (torch.optim.Adam).
   * 'keras': eps outside the bias correction, sqrt(1−β2^t)/(1−β1^t) · m/(sqrt(v) + eps)
   * (Python Keras; tfjs's tf.train.adam uses the PyTorch placement). They differ when eps is not
   * negligible against sqrt(v).
   */
  readonly epsilonStyle?: EpsilonStyle;
}

export interface ScaleByAdamState {
  readonly m: readonly Tensor[];
  readonly v: readonly Tensor[];
  /** Running max of v (torch keeps the max of the raw v, not of v̂); empty without amsgrad. */
  readonly vMax: readonly Tensor[];
}

/** 1 − β^t in float64, as PyTorch computes its bias corrections with Python floats. */
export function biasCorrection(beta: number, ctx: StepContext): Tensor {
  return Tensor.scalar(1, 'float64').sub(Tensor.scalar(beta, 'float64').pow(ctx.step));
}

/** Adam's direction (before the learning rate); torch.optim.Adam numerics, foreach=False path. */
export function scaleByAdam(options: ScaleByAdamOptions): GradientTransformation<ScaleByAdamState> {
  const { beta1, beta2, eps } = options;
  const amsgrad = options.amsgrad ?? false;
  const style = options.epsilonStyle ?? 'pytorch';
  return {
    init: (params) => ({
      m: zerosLike(params),
      v: zerosLike(params),
      vMax: amsgrad ? zerosLike(params) : [],
    }),
    update(updates, state, params, ctx) {
      const ms = checkSlots(state.m, params, 'scaleByAdam.m');
      const vs = checkSlots(state.v, params, 'scaleByAdam.v');
      const vMaxes = amsgrad ? checkSlots(state.vMax, params, 'scaleByAdam.vMax') : [];
      const bc1 = biasCorrection(beta1, ctx);
      const bc2 = biasCorrection(beta2, ctx);
      const m: Tensor[] = [];
      const v: Tensor[] = [];
      const vMax: Tensor[] = [];
      const out = updates.map((g, i) => {
        // torch: exp_avg.lerp_(g, 1−β1) = m + (1−β1)(g − m); exp_avg_sq·β2 + (1−β2)·g·g.
        const mi = ms[i]!.add(g.sub(ms[i]!).mul(1 - beta1));
        const vi = vs[i]!.mul(beta2).add(g.mul(g).mul(1 - beta2));
        m.push(mi);
        v.push(vi);
        let vUsed = vi;
        if (amsgrad) {
          vUsed = vMaxes[i]!.maximum(vi);
          vMax.push(vUsed);
        }
        if (style === 'keras') {
          const scale = bc2.sqrt().div(bc1).cast(g.dtype);
          return mi.div(vUsed.sqrt().add(eps)).mul(scale);
        }
        const denom = vUsed.sqrt().div(bc2.sqrt().cast(g.dtype)).add(eps);
        return mi.div(denom).div(bc1.cast(g.dtype));
      });
      return { updates: out, state: { m, v, vMax } };
    },
  };
}
