import { grad } from '../autodiff/grad.ts';
import { ReptileError } from '../errors.ts';
import type { Loss } from '../losses/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { traceUpdate } from './optimizer-step.ts';
import { type NamedTensorSpec, named, placeholders, type ShapeSpec, type TracedProgram } from './program.ts';
import { resolveLoss, resolveOptimizer, resolveRegularizer, type TraceableOptimizer } from './resolve.ts';

export interface TrainStepSpec {
  /** The model's parameters, in the order `forward` takes them. */
  readonly params: readonly NamedTensorSpec[];
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

export interface TrainStepTrace {
  readonly optimizer: TraceableOptimizer;
  readonly loss: Loss;
  /**
   * Inputs: `params.<name>`, `state.<path>`, `x`, `y`, `step`, `lr`.
   * Outputs: `new_params.<name>`, `new_state.<path>`, `loss` (the objective before the update).
   */
  readonly program: TracedProgram;
  readonly stateNames: readonly string[];
}

/**
 * A whole training step as one program: forward, loss and penalties (as core's
 * Trainer.objective), gradients by Reptile's autodiff, and the optimizer update.
 */
export function traceTrainStep(spec: TrainStepSpec): TrainStepTrace {
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
  const parts = traceUpdate(optimizer, params, grad(objective, params));
  return {
    optimizer,
    loss,
    stateNames: parts.stateNames,
    program: {
      inputs: [
        ...named(
          names.map((n) => `params.${n}`),
          params,
        ),
        ...named(parts.stateNames, parts.state),
        ...named(['x', 'y', 'step', 'lr'], [x!, y!, parts.step, parts.lr]),
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
        ...named(['loss'], [objective]),
      ],
    },
  };
}
