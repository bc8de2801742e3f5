import { type TrainStepSpec, traceTrainStep } from '@reptile/core';
import type { Program } from '../program.ts';

export type { TrainStepSpec };

/**
 * A whole training step as one graph (core's traceTrainStep): forward, loss and penalties (as
 * core's Trainer.objective), gradients by Reptile's autodiff, and the optimizer update.
 * Inputs: `params.<name>`, `state.<path>`, `x`, `y`, `step`, `lr`.
 * Outputs: `new_params.<name>`, `new_state.<path>`, `loss` (the objective before the update).
 */
export function trainStepProgram(spec: TrainStepSpec): Program {
  const { optimizer, loss, program } = traceTrainStep(spec);
  return {
    name: `reptile.train_step.${optimizer.config.name}`,
    ...program,
    doc: 'One training step: forward, loss, backward (Reptile autodiff), optimizer update.',
    metadata: {
      'reptile.kind': 'train_step',
      'reptile.optimizer': JSON.stringify(optimizer.config),
      'reptile.loss': JSON.stringify(loss.config),
    },
  };
}
