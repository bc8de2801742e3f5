import { programGraph, type TrainStepSpec, traceInitState, traceTrainStep } from '../core.ts';
import { type Artifact, classNameFor } from './artifact.ts';

export type { TrainStepSpec };

/**
 * A whole training step as one module (core's traceTrainStep): forward pass, loss and
 * penalties, gradients by Reptile's autodiff, and the optimizer update.
 * `forward(params..., state..., x, y, step, lr) -> (new_params..., new_state..., loss)`, the loss
 * being the objective before the update; `init_state(params...)` gives the initial state.
 */
export function trainStepArtifact(spec: TrainStepSpec): Artifact {
  const { optimizer, loss, program, stateNames } = traceTrainStep(spec);
  const names = spec.params.map((p) => p.name);
  return {
    kind: 'train_step',
    className: classNameFor(optimizer.config.name, 'TrainStep'),
    methods: [
      {
        name: 'forward',
        graph: programGraph(program),
        updates: [
          ...names.map((n) => [`new_params.${n}`, `params.${n}`] as const),
          ...stateNames.map((s) => [`new_${s}`, s] as const),
        ],
      },
      { name: 'init_state', graph: programGraph(traceInitState(optimizer, spec.params)) },
    ],
    metadata: {
      optimizer: optimizer.config,
      loss: loss.config,
      params: spec.params.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype ?? 'float32' })),
      state: stateNames,
      call: 'forward(params..., state..., x, y, step: float64[], lr: float64[]) -> (new_params..., new_state..., loss)',
    },
  };
}
