import { ReptileError, Tensor } from '@reptile/core';
import { type Program, placeholders, type TensorSpec } from '../program.ts';
import { flattenState, rebuildState, stateSkeleton } from '../state-tree.ts';
import { resolveOptimizer } from './resolve.ts';

/** The optimizer update, traced once with every per-step quantity as a graph input. */
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
 * one graph serves every step. New params are p + u, the Optax convention core's drivers use.
 */
export function traceUpdate(
  optimizerOrConfig: unknown,
  params: readonly Tensor[],
  grads: readonly Tensor[],
): OptimizerStepParts {
  const optimizer = resolveOptimizer(optimizerOrConfig);
  const template = optimizer.init(params).inner;
  const leaves = flattenState(template);
  const state = leaves.map((l) => Tensor.placeholder(`state.${l.path}`, l.tensor.shape, l.tensor.dtype));
  const step = Tensor.placeholder('step', [], 'float64');
  const lr = Tensor.placeholder('lr', [], 'float64');
  const out = optimizer.transform.update(grads, rebuildState(template, state), params, { step, lr });
  if (stateSkeleton(out.state) !== stateSkeleton(template)) {
    throw new ReptileError(`optimizer '${optimizer.config.name}' changes non-tensor state between steps`, {
      where: 'optimizer step graph',
      hint: 'only tensors can be graph inputs; keep per-step numbers in tensors',
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
 * Optimizer-step graph. Inputs: `params.<name>`, `grads.<name>`, `state.<path>`, `step`, `lr`.
 * Outputs: `new_params.<name>`, `new_state.<path>` (same paths). See docs/onnx.md.
 */
export function optimizerStepProgram(optimizerOrConfig: unknown, params: readonly TensorSpec[]): Program {
  const optimizer = resolveOptimizer(optimizerOrConfig);
  const p = placeholders(params, 'params.', 'params');
  const g = placeholders(params, 'grads.', 'params');
  const parts = traceUpdate(optimizer, p, g);
  return {
    name: `reptile.optimizer_step.${optimizer.config.name}`,
    inputs: [
      ...p.map((t, i) => ({ name: `params.${params[i]!.name}`, node: t.node })),
      ...g.map((t, i) => ({ name: `grads.${params[i]!.name}`, node: t.node })),
      ...parts.state.map((t, i) => ({ name: parts.stateNames[i]!, node: t.node })),
      { name: 'step', node: parts.step.node },
      { name: 'lr', node: parts.lr.node },
    ],
    outputs: [
      ...parts.newParams.map((t, i) => ({ name: `new_params.${params[i]!.name}`, node: t.node })),
      ...parts.newState.map((t, i) => ({ name: `new_${parts.stateNames[i]!}`, node: t.node })),
    ],
    doc: 'One optimizer update. step: 1-based index of this update (float64 scalar); lr: learning rate for it.',
    metadata: { 'reptile.kind': 'optimizer_step', 'reptile.optimizer': JSON.stringify(optimizer.config) },
  };
}
