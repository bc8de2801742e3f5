import { grad } from '../autodiff/grad.ts';
import type { Loss } from '../losses/index.ts';
import type { Regularizer } from '../regularizers/index.ts';
import { named, placeholders, type ShapeSpec, type TracedProgram } from './program.ts';
import { resolveLoss, resolveRegularizer } from './resolve.ts';

/**
 * Inputs `y_true`, `y_pred`; outputs `loss` (reduced, or per element for reduction 'none') and
 * `grad_y_pred`, the gradient of the sum of `loss` with respect to `y_pred`.
 */
export function traceLoss(
  lossOrConfig: unknown,
  yTrue: ShapeSpec,
  yPred: ShapeSpec,
): { readonly loss: Loss; readonly program: TracedProgram } {
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
    loss,
    program: {
      inputs: named(['y_true', 'y_pred'], [t!, p!]),
      outputs: named(['loss', 'grad_y_pred'], [value, g!]),
    },
  };
}

/** Input `weights`; outputs `penalty` (scalar) and `grad_weights`. */
export function traceRegularizer(
  regularizerOrConfig: unknown,
  weights: ShapeSpec,
): { readonly regularizer: Regularizer; readonly program: TracedProgram } {
  const regularizer = resolveRegularizer(regularizerOrConfig);
  const [w] = placeholders([{ name: 'weights', ...weights }], '', 'regularizer inputs');
  const penalty = regularizer.penalty(w!);
  const [g] = grad(penalty.size === 1 ? penalty : penalty.sum(), [w!]);
  return {
    regularizer,
    program: {
      inputs: named(['weights'], [w!]),
      outputs: named(['penalty', 'grad_weights'], [penalty, g!]),
    },
  };
}
