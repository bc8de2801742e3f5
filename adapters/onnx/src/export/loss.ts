import { type ShapeSpec, traceLoss, traceRegularizer } from '@reptile/core';
import type { Program } from '../program.ts';

export type { ShapeSpec };

/**
 * Loss graph. Inputs `y_true`, `y_pred`; outputs `loss` (reduced, or per element for reduction
 * 'none') and `grad_y_pred`, the gradient of the sum of `loss` with respect to `y_pred`.
 */
export function lossProgram(lossOrConfig: unknown, yTrue: ShapeSpec, yPred: ShapeSpec): Program {
  const { loss, program } = traceLoss(lossOrConfig, yTrue, yPred);
  return {
    name: `reptile.loss.${loss.config.name}`,
    ...program,
    doc: 'Loss value and the gradient of its sum with respect to y_pred.',
    metadata: { 'reptile.kind': 'loss', 'reptile.loss': JSON.stringify(loss.config) },
  };
}

/** Regularizer graph. Input `weights`; outputs `penalty` (scalar) and `grad_weights`. */
export function regularizerProgram(regularizerOrConfig: unknown, weights: ShapeSpec): Program {
  const { regularizer, program } = traceRegularizer(regularizerOrConfig, weights);
  return {
    name: `reptile.regularizer.${regularizer.config.name}`,
    ...program,
    doc: 'Weight penalty and its gradient.',
    metadata: { 'reptile.kind': 'regularizer', 'reptile.regularizer': JSON.stringify(regularizer.config) },
  };
}
