import { programGraph, type ShapeSpec, traceLoss, traceRegularizer } from '../core.ts';
import { type Artifact, classNameFor } from './artifact.ts';

/**
 * `forward(y_true, y_pred) -> (loss, grad_y_pred)`: the loss (reduced, or per element for
 * reduction 'none') and the gradient of its sum with respect to y_pred (core's traceLoss).
 */
export function lossArtifact(lossOrConfig: unknown, yTrue: ShapeSpec, yPred: ShapeSpec): Artifact {
  const { loss, program } = traceLoss(lossOrConfig, yTrue, yPred);
  return {
    kind: 'loss',
    className: classNameFor(loss.config.name, 'Loss'),
    methods: [{ name: 'forward', graph: programGraph(program) }],
    metadata: { loss: loss.config },
  };
}

/** `forward(weights) -> (penalty, grad_weights)`. */
export function regularizerArtifact(regularizerOrConfig: unknown, weights: ShapeSpec): Artifact {
  const { regularizer, program } = traceRegularizer(regularizerOrConfig, weights);
  return {
    kind: 'regularizer',
    className: classNameFor(regularizer.config.name, 'Regularizer'),
    methods: [{ name: 'forward', graph: programGraph(program) }],
    metadata: { regularizer: regularizer.config },
  };
}
