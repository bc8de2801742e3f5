import { clipByGlobalNorm, clipByValue } from '../optim/clip.ts';
import { chain, type GradientTransformation, stepContext } from '../optim/transform.ts';
import type { ClipConfig } from '../recipe/recipe.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * The recipe's `clip` as the optimizer building blocks it names: by value first, then by global
 * norm. Both are stateless and step-independent, so they run before the optimizer (and before
 * accumulation) with a neutral context.
 */
export function clipGradients(grads: readonly Tensor[], clip: ClipConfig): Tensor[] {
  const parts: GradientTransformation<unknown>[] = [];
  if (clip.value !== undefined) parts.push(clipByValue(-clip.value, clip.value));
  if (clip.globalNorm !== undefined) parts.push(clipByGlobalNorm(clip.globalNorm));
  const transform = chain(...parts);
  return transform.update(grads, transform.init(grads), grads, stepContext(1, 0)).updates;
}
