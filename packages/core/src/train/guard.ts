import { fail } from '../errors.ts';
import { realize, type Tensor } from '../tensor/tensor.ts';

/**
 * Counts non-finite entries (NaN, ±∞) of each gradient in one backend run. The count is the
 * only host read the guard needs, so it costs one small reduction per tensor.
 */
export function nonFiniteCounts(grads: readonly Tensor[]): number[] {
  const counts = grads.map((g) => g.abs().lt(Infinity).logicalNot().cast('int32').sum());
  return realize(counts).map((c) => c[0]!);
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
