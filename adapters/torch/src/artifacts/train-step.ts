import { grad, ReptileError, type Tensor } from '../core.ts';
import { type Artifact, classNameFor } from './artifact.ts';
import { traceUpdate } from './optimizer-step.ts';
import {
  placeholders,
  resolveLoss,
  resolveOptimizer,
  resolveRegularizer,
  type ShapeSpec,
  type TensorSpec,
} from './spec.ts';
import { flattenState } from './state-tree.ts';

export interface TrainStepSpec {
  /** The model's parameters, in the order `forward` takes them. */
  readonly params: readonly TensorSpec[];
  /** One batch: inputs `x` and targets `y` (fixed shapes; export again for another batch size). */
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
 * A whole training step as one module: forward pass, loss and penalties, gradients by Reptile's
 * autodiff, and the optimizer update.
 * `forward(params..., state..., x, y, step, lr) -> (new_params..., new_state..., loss)`, the loss
 * being the objective before the update; `init_state(params...)` gives the initial state.
 */
export function trainStepArtifact(spec: TrainStepSpec): Artifact {
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
      if (!r.params || r.params.includes(names[k]!)) {
        objective = objective.add(reg.penalty(p).reshape([]).cast(objective.dtype));
      }
    });
  });
  const grads = grad(objective, params);
  const parts = traceUpdate(optimizer, params, grads);
  const outputs = [
    ...parts.newParams.map((t, i) => [`new_params.${names[i]!}`, t] as const),
    ...parts.newState.map((t, i) => [`new_${parts.stateNames[i]!}`, t] as const),
    ['loss', objective] as const,
  ];
  const initParams = placeholders(spec.params, 'params.', 'params');
  const initLeaves = flattenState(optimizer.init(initParams).inner);
  return {
    kind: 'train_step',
    className: classNameFor(optimizer.config.name, 'TrainStep'),
    methods: [
      {
        name: 'forward',
        graph: {
          inputs: [...params, ...parts.state, x!, y!, parts.step, parts.lr].map((t) => t.node),
          outputs: outputs.map(([, t]) => t.node),
          outputNames: outputs.map(([n]) => n),
        },
        updates: [
          ...names.map((n) => [`new_params.${n}`, `params.${n}`] as const),
          ...parts.stateNames.map((s) => [`new_${s}`, s] as const),
        ],
      },
      {
        name: 'init_state',
        graph: {
          inputs: initParams.map((t) => t.node),
          outputs: initLeaves.map((l) => l.tensor.node),
          outputNames: initLeaves.map((l) => `state.${l.path}`),
        },
      },
    ],
    metadata: {
      optimizer: optimizer.config,
      loss: loss.config,
      params: spec.params.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype ?? 'float32' })),
      state: parts.stateNames,
      call: 'forward(params..., state..., x, y, step: float64[], lr: float64[]) -> (new_params..., new_state..., loss)',
    },
  };
}
