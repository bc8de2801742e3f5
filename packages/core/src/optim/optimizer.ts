import { isFloat } from '../dtype.ts';
import { fail } from '../errors.ts';
import type { Schedule } from '../schedules/index.ts';
import { formatShape } from '../shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { lrSchedule } from './config-fields.ts';
import type { OptimizerConfig } from './from-config.ts';
import type { PlainOptimizerConfig } from './registry.ts';
import { type GradientTransformation, stepContext } from './transform.ts';

export interface OptimizerState {
  /** Updates applied so far. */
  readonly step: number;
  readonly inner: unknown;
}

/**
 * The driver every frontend uses. It holds no state: `step` takes the state and returns a new
 * one, so a failed step leaves the caller's params and state exactly as they were.
 */
export interface Optimizer {
  /** Normalised config with every default filled in. */
  readonly config: OptimizerConfig;
  /**
   * The pure transform behind this optimizer (absent for ZooKeeper, whose sync steps
   * communicate). Frontends that trace a training step call `transform.update` with
   * placeholder `step`/`lr` scalars so one graph serves every step.
   */
  readonly transform?: GradientTransformation<unknown>;
  init(params: readonly Tensor[]): OptimizerState;
  /** Pure: returns lazy new params and state; nothing is mutated. */
  step(
    params: readonly Tensor[],
    grads: readonly Tensor[],
    state: OptimizerState,
  ): { params: Tensor[]; state: OptimizerState };
  /** lr used for the update after `step` updates (schedule evaluated). */
  learningRate(step: number): number;
}

/** Wraps a transform into an Optimizer; params move by p + u (Optax convention). */
export function fromTransform(
  transform: GradientTransformation<unknown>,
  config: OptimizerConfig,
  lr: number | Schedule,
): Optimizer {
  const name = `optimizer '${config.name}'`;
  const learningRate = (step: number): number => {
    checkStepCount(step, name);
    const value = typeof lr === 'number' ? lr : lr(step);
    if (!Number.isFinite(value) || value < 0) {
      fail(`learning rate ${value} at step ${step} is not a finite number ≥ 0`, {
        where: `${name}.lr`,
        hint: 'check the schedule config',
      });
    }
    return value;
  };
  return {
    config,
    transform,
    init: (params) => {
      checkParams(params, name);
      return { step: 0, inner: transform.init(params) };
    },
    step(params, grads, state) {
      checkStepInputs(params, grads, state, name);
      const ctx = stepContext(state.step + 1, learningRate(state.step));
      const out = transform.update(grads, state.inner, params, ctx);
      return {
        params: params.map((p, i) => p.add(out.updates[i]!)),
        state: { step: state.step + 1, inner: out.state },
      };
    },
    learningRate,
  };
}

/** An optimizer from a normalised config and the function composing its transform. */
export function optimizerFor<C extends PlainOptimizerConfig>(
  config: C,
  transform: (config: C) => GradientTransformation<unknown>,
): Optimizer {
  return fromTransform(transform(config), config, lrSchedule(config.lr, config.name));
}

export function checkStepCount(step: unknown, where: string): void {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
    fail(`step count ${String(step)} is not a non-negative integer`, {
      where,
      hint: 'pass the state returned by init() or the previous step()',
    });
  }
}

export function checkParams(params: readonly Tensor[], where: string): void {
  if (!Array.isArray(params)) fail('params must be an array of tensors', { where });
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) fail(`param ${i} is not a Tensor`, { where });
    if (!isFloat(p.dtype)) {
      fail(`param ${i} is ${p}; only float32/float64 params can be optimised`, {
        where,
        hint: 'cast the parameter to a float dtype',
      });
    }
  });
}

/** Grads must pair one-to-one with params: same count, shape and dtype. */
export function checkStepInputs(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  state: OptimizerState,
  where: string,
): void {
  checkParams(params, where);
  if (typeof state !== 'object' || state === null) {
    fail('state is missing', { where, hint: 'pass the state returned by init() or the previous step()' });
  }
  checkStepCount(state.step, `${where} state.step`);
  if (!Array.isArray(grads) || grads.length !== params.length) {
    fail(`got ${Array.isArray(grads) ? grads.length : 'no'} gradients for ${params.length} params`, {
      where,
      hint: 'pass one gradient per parameter, in the same order',
    });
  }
  grads.forEach((g, i) => {
    const p = params[i]!;
    if (!(g instanceof Tensor)) fail(`gradient ${i} is not a Tensor`, { where });
    if (formatShape(g.shape) !== formatShape(p.shape)) {
      fail(`gradient ${i} has shape ${formatShape(g.shape)} but its param has ${formatShape(p.shape)}`, {
        where,
        hint: 'gradients must have exactly the shape of their parameter',
      });
    }
    if (g.dtype !== p.dtype) {
      fail(`gradient ${i} is ${g.dtype} but its param is ${p.dtype}`, {
        where,
        hint: `cast the gradient with .cast('${p.dtype}')`,
      });
    }
  });
}
