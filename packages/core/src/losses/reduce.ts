import type { Tensor } from '../tensor/tensor.ts';

/** How elementwise (or per-row) loss values become the returned loss. */
export type Reduction = 'mean' | 'sum' | 'none' | 'batchmean';

export const REDUCTIONS = ['mean', 'sum', 'none'] as const satisfies readonly Reduction[];

export interface ReduceOptions {
  /**
   * Per-value weights already folded into `values`; 'mean' then divides by their sum instead of
   * the count, as torch's weighted nll_loss / cross_entropy do.
   */
  readonly weights?: Tensor;
}

/**
 * The one place losses reduce. 'batchmean' (KL divergence) divides the sum by dimension 0, the
 * mathematically correct KL mean that torch recommends over 'mean'.
 */
export function reduce(values: Tensor, reduction: Reduction, options: ReduceOptions = {}): Tensor {
  switch (reduction) {
    case 'none':
      return values;
    case 'sum':
      return values.sum();
    case 'mean':
      return options.weights ? values.sum().div(options.weights.sum()) : values.mean();
    case 'batchmean':
      return values.sum().div(values.rank === 0 ? 1 : values.shape[0]!);
  }
}
