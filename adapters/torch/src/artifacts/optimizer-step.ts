import { ReptileError, Tensor } from '../core.ts';
import { type Artifact, classNameFor } from './artifact.ts';
import { placeholders, resolveOptimizer, type TensorSpec, type TraceableOptimizer } from './spec.ts';
import { flattenState, rebuildState, stateSkeleton } from './state-tree.ts';

export interface OptimizerStepParts {
  readonly stateNames: readonly string[];
  readonly newParams: Tensor[];
  readonly newState: Tensor[];
  /** `state.<path>` placeholders, in flattenState order of `optimizer.init(params).inner`. */
  readonly state: Tensor[];
  readonly step: Tensor;
  readonly lr: Tensor;
}

/**
 * Applies `optimizer.transform.update` to (params, grads) with placeholder state, `step` (the
 * 1-based index of this update) and `lr` (the scheduled learning rate), both float64 scalars, so
 * one graph serves every step. New params are p + u, the convention of core's drivers.
 */
export function traceUpdate(
  optimizer: TraceableOptimizer,
  params: readonly Tensor[],
  grads: readonly Tensor[],
): OptimizerStepParts {
  const template = optimizer.init(params).inner;
  const leaves = flattenState(template);
  const state = leaves.map((l) => Tensor.placeholder(`state.${l.path}`, l.tensor.shape, l.tensor.dtype));
  const step = Tensor.placeholder('step', [], 'float64');
  const lr = Tensor.placeholder('lr', [], 'float64');
  const out = optimizer.transform.update(grads, rebuildState(template, state), params, { step, lr });
  if (stateSkeleton(out.state) !== stateSkeleton(template)) {
    throw new ReptileError(`optimizer '${optimizer.config.name}' changes non-tensor state between steps`, {
      where: 'optimizer step artifact',
      hint: 'only tensors can be module arguments; keep per-step numbers in tensors',
    });
  }
  return {
    stateNames: leaves.map((l) => `state.${l.path}`),
    newParams: params.map((p, i) => p.add(out.updates[i]!)),
    newState: flattenState(out.state).map((l) => l.tensor),
    state,
    step,
    lr,
  };
}

/**
 * One optimizer update for all params in one call. `forward(params..., grads..., state...,
 * step, lr)` returns `(new_params..., new_state...)`; `init_state(params...)` returns the initial
 * state. With `inPlace` export, params and state are updated in place (as torch.optim does).
 */
export function optimizerStepArtifact(optimizerOrConfig: unknown, params: readonly TensorSpec[]): Artifact {
  const optimizer = resolveOptimizer(optimizerOrConfig);
  const names = params.map((p) => p.name);
  const p = placeholders(params, 'params.', 'params');
  const g = placeholders(params, 'grads.', 'params');
  const parts = traceUpdate(optimizer, p, g);
  const outputs = [
    ...parts.newParams.map((t, i) => [`new_params.${names[i]!}`, t] as const),
    ...parts.newState.map((t, i) => [`new_${parts.stateNames[i]!}`, t] as const),
  ];
  const step = {
    inputs: [...p, ...g, ...parts.state, parts.step, parts.lr].map((t) => t.node),
    outputs: outputs.map(([, t]) => t.node),
    outputNames: outputs.map(([n]) => n),
  };
  const initParams = placeholders(params, 'params.', 'params');
  const initLeaves = flattenState(optimizer.init(initParams).inner);
  const init = {
    inputs: initParams.map((t) => t.node),
    outputs: initLeaves.map((l) => l.tensor.node),
    outputNames: initLeaves.map((l) => `state.${l.path}`),
  };
  return {
    kind: 'optimizer_step',
    className: classNameFor(optimizer.config.name, 'Step'),
    methods: [
      {
        name: 'forward',
        graph: step,
        updates: [
          ...names.map((n) => [`new_params.${n}`, `params.${n}`] as const),
          ...parts.stateNames.map((s) => [`new_${s}`, s] as const),
        ],
      },
      { name: 'init_state', graph: init },
    ],
    metadata: {
      optimizer: optimizer.config,
      params: params.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype ?? 'float32' })),
      state: parts.stateNames,
      call: 'forward(params..., grads..., state..., step: float64[], lr: float64[]) -> (new_params..., new_state...); step is the 1-based update index',
    },
  };
}
