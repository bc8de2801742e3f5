import { type NamedTensorSpec, programGraph, traceInitState, traceOptimizerStep } from '../core.ts';
import { type Artifact, classNameFor } from './artifact.ts';

/**
 * One optimizer update for all params in one call (core's traceOptimizerStep).
 * `forward(params..., grads..., state..., step, lr)` returns `(new_params..., new_state...)`;
 * `init_state(params...)` returns the initial state. With `inPlace` export, params and state are
 * updated in place (as torch.optim does).
 */
export function optimizerStepArtifact(
  optimizerOrConfig: unknown,
  params: readonly NamedTensorSpec[],
): Artifact {
  const { optimizer, program, stateNames } = traceOptimizerStep(optimizerOrConfig, params);
  const names = params.map((p) => p.name);
  return {
    kind: 'optimizer_step',
    className: classNameFor(optimizer.config.name, 'Step'),
    methods: [
      {
        name: 'forward',
        graph: programGraph(program),
        updates: [
          ...names.map((n) => [`new_params.${n}`, `params.${n}`] as const),
          ...stateNames.map((s) => [`new_${s}`, s] as const),
        ],
      },
      { name: 'init_state', graph: programGraph(traceInitState(optimizer, params)) },
    ],
    metadata: {
      optimizer: optimizer.config,
      params: params.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype ?? 'float32' })),
      state: stateNames,
      call: 'forward(params..., grads..., state..., step: float64[], lr: float64[]) -> (new_params..., new_state...); step is the 1-based update index',
    },
  };
}
