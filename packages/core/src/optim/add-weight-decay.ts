import { type GradientTransformation, stateless } from './transform.ts';

/**
 * Coupled (L2) weight decay, g ← g + wd·p, applied to the gradient BEFORE the moment estimates,
 * as torch.optim.SGD/Adam/RMSprop/Adagrad do with `weight_decay`.
 */
export function addWeightDecay(weightDecay: number): GradientTransformation<null> {
  return stateless((g, p) => (weightDecay === 0 ? g : g.add(p.mul(weightDecay))));
}
