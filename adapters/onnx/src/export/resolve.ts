import {
  type Loss,
  lossFromConfig,
  type Optimizer,
  optimizerFromConfig,
  type Regularizer,
  ReptileError,
  regularizerFromConfig,
} from '@reptile/core';

/** Accepts either a built object or its JSON config (validated by core's readers). */
const isBuilt = (v: unknown, method: string): boolean =>
  typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[method] === 'function';

export function resolveOptimizer(
  value: unknown,
  where = 'optimizer',
): Optimizer & Required<Pick<Optimizer, 'transform'>> {
  const opt = isBuilt(value, 'step') ? (value as Optimizer) : optimizerFromConfig(value, where);
  if (!opt.transform) {
    throw new ReptileError(`optimizer '${opt.config.name}' has no single-replica transform to trace`, {
      where,
      hint: 'ZooKeeper synchronises replicas between steps; run it eagerly on the OnnxBackend instead',
    });
  }
  return opt as Optimizer & Required<Pick<Optimizer, 'transform'>>;
}

export function resolveLoss(value: unknown, where = 'loss'): Loss {
  return isBuilt(value, 'compute') ? (value as Loss) : lossFromConfig(value, where);
}

export function resolveRegularizer(value: unknown, where = 'regularizer'): Regularizer {
  return isBuilt(value, 'penalty') ? (value as Regularizer) : regularizerFromConfig(value, where);
}
