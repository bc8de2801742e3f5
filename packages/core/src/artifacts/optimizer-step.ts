import { ReptileError } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { type NamedTensorSpec, named, placeholders, type TracedProgram } from './program.ts';
import { resolveOptimizer, type TraceableOptimizer } from './resolve.ts';
import { flattenState, rebuildState, stateSkeleton } from './state-tree.ts';

/** The optimizer update, traced once with every per-step quantity as a graph input. */
export interface UpdateParts {
  /** `state.<path>` for each state tensor, in flattenState order of `optimizer.init(params).inner`. */
  readonly stateNames: readonly string[];
  readonly newParams: Tensor[];
  readonly newState: Tensor[];
  /** The `state.<path>` placeholders. */
  readonly state: Tensor[];
  readonly step: Tensor;
  readonly lr: Tensor;
}

/**
 * Applies `optimizer.transform.update` to (params, grads) with placeholder state, `step` (the
 * 1-based index of this update) and `lr` (the scheduled learning rate), both float64 scalars, so
 * one graph serves every step. New params are p + u, the Optax convention core's drivers use.
 */
export function traceUpdate(
  optimizer: TraceableOptimizer,
  params: readonly Tensor[],
  grads: readonly Tensor[],
): UpdateParts {
  const template = optimizer.init(params).inner;
  const leaves = flattenState(template);
  const state = leaves.map((l) => Tensor.placeholder(`state.${l.path}`, l.tensor.shape, l.tensor.dtype));
  const step = Tensor.placeholder('step', [], 'float64');
  const lr = Tensor.placeholder('lr', [], 'float64');
  const out = optimizer.transform.update(grads, rebuildState(template, state), params, { step, lr });
  if (stateSkeleton(out.state) !== stateSkeleton(template)) {
    throw new ReptileError(`optimizer '${optimizer.config.name}' changes non-tensor state between steps`, {
      where: 'optimizer step trace',
      hint: 'only tensors can be inputs of a traced step; keep per-step numbers in tensors',
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

/** `params.<name>` -> `state.<path>`: the optimizer's initial state, for frontends that ship it. */
export function traceInitState(
  optimizer: TraceableOptimizer,
  params: readonly NamedTensorSpec[],
): TracedProgram {
  const p = placeholders(params, 'params.', 'params');
  const leaves = flattenState(optimizer.init(p).inner);
  return {
    inputs: named(
      params.map((s) => `params.${s.name}`),
      p,
    ),
    outputs: named(
      leaves.map((l) => `state.${l.path}`),
      leaves.map((l) => l.tensor),
    ),
  };
}

export interface OptimizerStepTrace {
  readonly optimizer: TraceableOptimizer;
  /**
   * Inputs: `params.<name>`, `grads.<name>`, `state.<path>`, `step`, `lr`.
   * Outputs: `new_params.<name>`, `new_state.<path>` (same paths).
   */
  readonly program: TracedProgram;
  readonly stateNames: readonly string[];
}

/** One optimizer update for all params, as a traced program (see docs/onnx.md, docs/torch.md). */
export function traceOptimizerStep(
  optimizerOrConfig: unknown,
  params: readonly NamedTensorSpec[],
): OptimizerStepTrace {
  const optimizer = resolveOptimizer(optimizerOrConfig);
  const names = params.map((s) => s.name);
  const p = placeholders(params, 'params.', 'params');
  const g = placeholders(params, 'grads.', 'params');
  const parts = traceUpdate(optimizer, p, g);
  return {
    optimizer,
    stateNames: parts.stateNames,
    program: {
      inputs: [
        ...named(
          names.map((n) => `params.${n}`),
          p,
        ),
        ...named(
          names.map((n) => `grads.${n}`),
          g,
        ),
        ...named(parts.stateNames, parts.state),
        ...named(['step', 'lr'], [parts.step, parts.lr]),
      ],
      outputs: [
        ...named(
          names.map((n) => `new_params.${n}`),
          parts.newParams,
        ),
        ...named(
          parts.stateNames.map((s) => `new_${s}`),
          parts.newState,
        ),
      ],
    },
  };
}
