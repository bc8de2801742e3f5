import {
  type DType,
  type Loss,
  lossFromConfig,
  type Optimizer,
  optimizerFromConfig,
  type Regularizer,
  ReptileError,
  regularizerFromConfig,
  Tensor,
} from '../core.ts';

/** Shape and dtype of one named tensor (a parameter, a batch). dtype defaults to float32. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

export interface ShapeSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;

/** Checks user-given names (they become argument names) and returns placeholders for them. */
export function placeholders(specs: readonly TensorSpec[], prefix: string, where: string): Tensor[] {
  const seen = new Set<string>();
  return specs.map((s, i) => {
    if (typeof s.name !== 'string' || !NAME.test(s.name)) {
      throw new ReptileError(`name ${JSON.stringify(s.name)} is not a valid tensor name`, {
        where: `${where}[${i}].name`,
        hint: 'use letters, digits, _ . : / - (starting with a letter or _)',
      });
    }
    if (seen.has(s.name))
      throw new ReptileError(`duplicate name '${s.name}'`, { where: `${where}[${i}].name` });
    seen.add(s.name);
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ReptileError(`shape ${JSON.stringify(s.shape)} must list non-negative integers`, {
        where: `${where}[${i}].shape`,
      });
    }
    return Tensor.placeholder(`${prefix}${s.name}`, s.shape, s.dtype ?? 'float32');
  });
}

const isBuilt = (v: unknown, method: string): boolean =>
  typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[method] === 'function';

export type TraceableOptimizer = Optimizer & Required<Pick<Optimizer, 'transform'>>;

/** A built optimizer or its JSON config; it must have a pure transform to trace. */
export function resolveOptimizer(value: unknown, where = 'optimizer'): TraceableOptimizer {
  const opt = isBuilt(value, 'step') ? (value as Optimizer) : optimizerFromConfig(value, where);
  if (!opt.transform) {
    throw new ReptileError(`optimizer '${opt.config.name}' has no single-replica transform to trace`, {
      where,
      hint: 'ZooKeeper synchronises replicas between steps: export its base optimizer and average replicas yourself',
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
