import { ReptileError } from '../errors.ts';
import type { Loss } from '../losses/index.ts';
import { lossFromConfig } from '../losses/index.ts';
import type { Optimizer } from '../optim/index.ts';
import { optimizerFromConfig } from '../optim/index.ts';
import type { Regularizer } from '../regularizers/index.ts';
import { regularizerFromConfig } from '../regularizers/index.ts';

/** Accepts either a built object or its JSON config (validated by core's readers). */
const isBuilt = (v: unknown, method: string): boolean =>
  typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[method] === 'function';

/** An optimizer with a pure single-replica transform, which is what a traced step needs. */
export type TraceableOptimizer = Optimizer & Required<Pick<Optimizer, 'transform'>>;

/** A built optimizer or its JSON config; it must have a pure transform to trace. */
export function resolveOptimizer(value: unknown, where = 'optimizer'): TraceableOptimizer {
  const opt = isBuilt(value, 'step') ? (value as Optimizer) : optimizerFromConfig(value, where);
  if (!opt.transform) {
    throw new ReptileError(`optimizer '${opt.config.name}' has no single-replica transform to trace`, {
      where,
      hint: 'ZooKeeper synchronises replicas between steps: run it eagerly, or export its base optimizer and average replicas yourself',
    });
  }
  return opt as TraceableOptimizer;
}

export function resolveLoss(value: unknown, where = 'loss'): Loss {
  return isBuilt(value, 'compute') ? (value as Loss) : lossFromConfig(value, where);
}

export function resolveRegularizer(value: unknown, where = 'regularizer'): Regularizer {
  return isBuilt(value, 'penalty') ? (value as Regularizer) : regularizerFromConfig(value, where);
}
