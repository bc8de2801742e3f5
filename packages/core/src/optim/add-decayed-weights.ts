import { type GradientTransformation, stateless } from './transform.ts';

/**
 * Decoupled weight decay (Loshchilov & Hutter): u ← u + wd·p, placed AFTER the adaptive scaling
 * and before scaleByLearningRate, so the step becomes p − lr·(u + wd·p) = p·(1 − lr·wd) − lr·u,
 * which is torch AdamW's "p *= 1 − lr·wd first".
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation<null> {
  return stateless((u, p) => (weightDecay === 0 ? u : u.add(p.mul(weightDecay))));
}
