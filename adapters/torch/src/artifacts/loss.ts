import { grad } from '../core.ts';
import { type Artifact, classNameFor } from './artifact.ts';
import { placeholders, resolveLoss, resolveRegularizer, type ShapeSpec } from './spec.ts';

/**
 * `forward(y_true, y_pred) -> (loss, grad_y_pred)`: the loss (reduced, or per element for
 * reduction 'none') and the gradient of its sum with respect to y_pred.
 */
export function lossArtifact(lossOrConfig: unknown, yTrue: ShapeSpec, yPred: ShapeSpec): Artifact {
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
    kind: 'loss',
    className: classNameFor(loss.config.name, 'Loss'),
    methods: [
      {
        name: 'forward',
        graph: {
          inputs: [t!.node, p!.node],
          outputs: [value.node, g!.node],
          outputNames: ['loss', 'grad_y_pred'],
        },
      },
    ],
    metadata: { loss: loss.config },
  };
}

/** `forward(weights) -> (penalty, grad_weights)`. */
export function regularizerArtifact(regularizerOrConfig: unknown, weights: ShapeSpec): Artifact {
  const reg = resolveRegularizer(regularizerOrConfig);
  const [w] = placeholders([{ name: 'weights', ...weights }], '', 'regularizer inputs');
  const penalty = reg.penalty(w!);
  const [g] = grad(penalty.size === 1 ? penalty : penalty.sum(), [w!]);
  return {
    kind: 'regularizer',
    className: classNameFor(reg.config.name, 'Regularizer'),
    methods: [
      {
        name: 'forward',
        graph: {
          inputs: [w!.node],
          outputs: [penalty.node, g!.node],
          outputNames: ['penalty', 'grad_weights'],
        },
      },
    ],
    metadata: { regularizer: reg.config },
  };
}
