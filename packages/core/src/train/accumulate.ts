import type { Tensor } from '../tensor/tensor.ts';

/**
 * Gradient accumulation over N micro-batches: gradients are summed until the N-th micro-batch,
 * whose update uses their mean. Between updates the parameters and optimizer state do not move.
 */
export interface Accumulation {
  readonly count: number;
  readonly sum: readonly Tensor[] | undefined;
}

export const EMPTY_ACCUMULATION: Accumulation = { count: 0, sum: undefined };

export function accumulate(
  acc: Accumulation,
  grads: readonly Tensor[],
  every: number,
): { acc: Accumulation; ready: Tensor[] | undefined } {
  const sum = acc.sum ? acc.sum.map((s, i) => s.add(grads[i]!)) : [...grads];
  const count = acc.count + 1;
  if (count < every) return { acc: { count, sum }, ready: undefined };
  return { acc: EMPTY_ACCUMULATION, ready: every === 1 ? sum : sum.map((s) => s.div(every)) };
}
