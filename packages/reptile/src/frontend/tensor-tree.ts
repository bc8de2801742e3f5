import { flattenTensors, type Tensor } from '@reptile/core';

/**
 * The tensors inside a plain state value and a function rebuilding the value around
 * replacements, so optimizer state is realised in the same backend run as the new parameters.
 * Core's state walk, so the order matches the Trainer's and the exported artifacts'.
 */
export function collectTensors(value: unknown): {
  tensors: Tensor[];
  rebuild: (replacements: readonly Tensor[]) => unknown;
} {
  return flattenTensors(value);
}
