import type { Collective } from '../core.ts';

/**
 * Every rank's `values` (the same count on each), on every rank, as `[rank][i]`. The collective
 * has no gather, so each rank writes its values into its own slots of a zeroed buffer and the
 * allreduce-mean times the rank count recovers them.
 */
export function gatherAll(c: Collective, values: readonly number[]): number[][] {
  const all = new Float64Array(values.length * c.size);
  all.set(values, c.rank * values.length);
  const mean = c.allreduceMean(all);
  return Array.from({ length: c.size }, (_, r) =>
    Array.from(mean.subarray(r * values.length, (r + 1) * values.length), (v) => v * c.size),
  );
}
