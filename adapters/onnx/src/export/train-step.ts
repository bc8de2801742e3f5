import { grad, ReptileError, type Tensor } from '@reptile/core';
import { type Program, placeholders, type TensorSpec } from '../program.ts';
import type { ShapeSpec } from './loss.ts';
import { traceUpdate } from './optimizer-step.ts';
import { resolveLoss, resolveOptimizer, resolveRegularizer } from './resolve.ts';

export interface TrainStepSpec {
  /** The model's parameters, in the order `forward` takes them. */
  readonly params: readonly TensorSpec[];
  /** One batch: inputs `x` and targets `y` (fixed shapes; trace again for another batch size). */
  readonly x: ShapeSpec;
  readonly y: ShapeSpec;
  /** The model as a function of its parameters, written with Reptile tensors. */
  readonly forward: (params: readonly Tensor[], x: Tensor) => Tensor;
  /** A loss config (docs/configs.md) or a built loss; a non-scalar loss is averaged. */
  readonly loss: unknown;
  /** An optimizer config or a built optimizer (not ZooKeeper). */
  readonly optimizer: unknown;
  /** Penalties added to the loss, each on the named params (all params when omitted). */
  readonly regularizers?: readonly { readonly regularizer: unknown; readonly params?: readonly string[] }[];
}

/**
 * A whole training step as one graph: forward, loss and penalties (as core's Trainer.objective),
 * gradients by Reptile's autodiff, and the optimizer update.
 * Inputs: `params.<name>`, `state.<path>`, `x`, `y`, `step`, `lr`.
 * Outputs: `new_params.<name>`, `new_state.<path>`, `loss` (the objective before the update).
 */
export function trainStepProgram(spec: TrainStepSpec): Program {
  const optimizer = resolveOptimizer(spec.optimizer);
  const loss = resolveLoss(spec.loss);
  const names = spec.params.map((p) => p.name);
  const params = placeholders(spec.params, 'params.', 'params');
  const [x, y] = placeholders(
    [
      { name: 'x', ...spec.x },
      { name: 'y', ...spec.y },
    ],
    '',
    'batch',
  );
  let objective = loss.compute(y!, spec.forward(params, x!));
  if (objective.size !== 1) objective = objective.mean();
  objective = objective.reshape([]);
  (spec.regularizers ?? []).forEach((r, i) => {
    const reg = resolveRegularizer(r.regularizer, `regularizers[${i}].regularizer`);
    for (const n of r.params ?? []) {
      if (!names.includes(n)) {
        throw new ReptileError(`unknown parameter '${n}'`, {
          where: `regularizers[${i}].params`,
          hint: `known: ${names.join(', ')}`,
        });
      }
    }
    params.forEach((p, k) => {
      if (!r.params || r.params.includes(names[k]!))
        objective = objective.add(reg.penalty(p).reshape([]).cast(objective.dtype));
    });
  });
  const grads = grad(objective, params);
  const parts = traceUpdate(optimizer, params, grads);
  return {
    name: `reptile.train_step.${optimizer.config.name}`,
    inputs: [
      ...params.map((t, i) => ({ name: `params.${names[i]!}`, node: t.node })),
      ...parts.state.map((t, i) => ({ name: parts.stateNames[i]!, node: t.node })),
      { name: 'x', node: x!.node },
      { name: 'y', node: y!.node },
      { name: 'step', node: parts.step.node },
      { name: 'lr', node: parts.lr.node },
    ],
    outputs: [
      ...parts.newParams.map((t, i) => ({ name: `new_params.${names[i]!}`, node: t.node })),
      ...parts.newState.map((t, i) => ({ name: `new_${parts.stateNames[i]!}`, node: t.node })),
      { name: 'loss', node: objective.node },
    ],
    doc: 'One training step: forward, loss, backward (Reptile autodiff), optimizer update.',
    metadata: {
      'reptile.kind': 'train_step',
      'reptile.optimizer': JSON.stringify(optimizer.config),
      'reptile.loss': JSON.stringify(loss.config),
    },
  };
}
