import { fail } from '../errors.ts';
import { realize, type Tensor } from '../tensor/tensor.ts';

/**
 * Counts non-finite entries (NaN, ±∞) of each gradient. The gradients are realised anyway for the
 * update, so the count is a plain host loop over their values rather than another graph.
 */
export function nonFiniteCounts(grads: readonly Tensor[]): number[] {
  return realize(grads).map((values) => {
    let bad = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) bad++;
    return bad;
  });
}

/** Throws a ReptileError naming every parameter whose gradient is not finite. */
export function assertFinite(grads: readonly Tensor[], names: readonly string[]): void {
  const counts = nonFiniteCounts(grads);
  const bad = counts.flatMap((c, i) =>
    c > 0 ? [`${names[i] ?? `param ${i}`} (${c} of ${grads[i]!.size})`] : [],
  );
  if (bad.length > 0) {
    fail(`non-finite gradient entries in ${bad.join(', ')}`, {
      where: 'training step',
      hint: "parameters and optimizer state were left unchanged; lower the learning rate, clip gradients, or set recipe.nonFinite to 'skip'",
    });
  }
}

export function allFinite(grads: readonly Tensor[]): boolean {
  return nonFiniteCounts(grads).every((c) => c === 0);
}
