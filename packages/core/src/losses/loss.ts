import { type JsonObject, readEnum, readNumberArray } from '../config/validate.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { REDUCTIONS, type Reduction } from './reduce.ts';

/** A loss bound to its normalised config (all defaults filled in, JSON-serialisable). */
export interface LossOf<C> {
  readonly config: C;
  /** The reduced loss (a scalar), or the unreduced values for reduction 'none'. */
  compute(yTrue: Tensor, yPred: Tensor): Tensor;
}

export function readReduction<R extends Reduction>(
  obj: JsonObject,
  where: string,
  allowed: readonly R[] = REDUCTIONS as readonly Reduction[] as readonly R[],
): R {
  return readEnum(obj, 'reduction', allowed, 'mean' as R, where);
}

/** Optional per-class weights: finite and non-negative. */
export function readClassWeights(obj: JsonObject, where: string): readonly number[] | undefined {
  const weights = readNumberArray(obj, 'classWeights', where, { min: 0 });
  return weights && Object.freeze(weights);
}

/** Freezes the config and names the loss in every error raised while computing it. */
export function makeLoss<C extends { readonly name: string }>(
  config: C,
  compute: (yTrue: Tensor, yPred: Tensor, where: string) => Tensor,
): LossOf<C> {
  const frozen = Object.freeze({ ...config });
  const where = `loss '${config.name}'`;
  return { config: frozen, compute: (yTrue, yPred) => compute(yTrue, yPred, where) };
}
