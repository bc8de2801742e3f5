import { type DType, grad } from '@reptile/core';
import type { Program } from '../program.ts';
import { placeholders } from '../program.ts';
import { resolveLoss, resolveRegularizer } from './resolve.ts';

export interface ShapeSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

/**
 * Loss graph. Inputs `y_true`, `y_pred`; outputs `loss` (reduced, or per element for reduction
 * 'none') and `grad_y_pred`, the gradient of the sum of `loss` with respect to `y_pred`.
 */
export function lossProgram(lossOrConfig: unknown, yTrue: ShapeSpec, yPred: ShapeSpec): Program {
  const loss = resolveLoss(lossOrConfig);
  const [t, p] = placeholders(
    [
      { name: 'y_true', ...yTrue },
      { name: 'y_pred', ...yPred },
    ],
    '',
    'loss inputs',
  );
  const value = loss.compute(t!, p!);
  const [g] = grad(value.size === 1 ? value : value.sum(), [p!]);
  return {
    name: `reptile.loss.${loss.config.name}`,
    inputs: [
      { name: 'y_true', node: t!.node },
      { name: 'y_pred', node: p!.node },
    ],
    outputs: [
      { name: 'loss', node: value.node },
      { name: 'grad_y_pred', node: g!.node },
    ],
    doc: 'Loss value and the gradient of its sum with respect to y_pred.',
    metadata: { 'reptile.kind': 'loss', 'reptile.loss': JSON.stringify(loss.config) },
  };
}

/** Regularizer graph. Input `weights`; outputs `penalty` (scalar) and `grad_weights`. */
export function regularizerProgram(regularizerOrConfig: unknown, weights: ShapeSpec): Program {
  const reg = resolveRegularizer(regularizerOrConfig);
  const [w] = placeholders([{ name: 'weights', ...weights }], '', 'regularizer inputs');
  const penalty = reg.penalty(w!);
  const [g] = grad(penalty.size === 1 ? penalty : penalty.sum(), [w!]);
  return {
    name: `reptile.regularizer.${reg.config.name}`,
    inputs: [{ name: 'weights', node: w!.node }],
    outputs: [
      { name: 'penalty', node: penalty.node },
      { name: 'grad_weights', node: g!.node },
    ],
    doc: 'Weight penalty and its gradient.',
    metadata: { 'reptile.kind': 'regularizer', 'reptile.regularizer': JSON.stringify(reg.config) },
  };
}
