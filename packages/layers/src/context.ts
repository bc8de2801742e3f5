import { type DType, type Shape, sizeOf, Tensor } from '@reptile/core';
import type { CallContext } from './layer.ts';
import type { Random } from './random.ts';

/** Inference: no noise is ever drawn (Dropout is the identity). */
export const INFERENCE: CallContext = {
  training: false,
  uniform: () => {
    throw new Error('internal: noise requested in inference mode');
  },
};

/** Training on an eager frontend: noise is drawn on the host from `random` and sent as a constant. */
export function eagerTrainingContext(random: Random, updates?: Map<string, Tensor>): CallContext {
  return {
    training: true,
    uniform: (shape: Shape, dtype: DType) => {
      const values = new Float64Array(sizeOf(shape));
      for (let i = 0; i < values.length; i++) values[i] = random.next();
      return Tensor.fromData(values, shape, dtype);
    },
    ...(updates ? { updates } : {}),
  };
}
