import { fail } from '../errors.ts';
import { formatShape } from '../shape.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * Per-update context, built by the driver: float64 scalars, cast by each transform to its param
 * dtype. They are tensors (not numbers) so a traced update graph takes them as inputs and one
 * compiled graph serves every step.
 */
export interface StepContext {
  /** t = 1-based index of this update. */
  readonly step: Tensor;
  /** Learning rate for this update (any schedule already evaluated). */
  readonly lr: Tensor;
}

/**
 * Optax's abstraction: a pair of pure functions. State is a plain readonly value (records and
 * arrays of tensors and numbers), never hidden in a class, so it can be saved, traced and
 * replayed. Updates are ADDED to params.
 */
export interface GradientTransformation<S> {
  init(params: readonly Tensor[]): S;
  update(
    updates: readonly Tensor[],
    state: S,
    params: readonly Tensor[],
    ctx: StepContext,
  ): { updates: Tensor[]; state: S };
}

/** Builds the context for update number `t` (1-based) with learning rate `lr`. */
export function stepContext(t: number, lr: number): StepContext {
  return { step: Tensor.scalar(t, 'float64'), lr: Tensor.scalar(lr, 'float64') };
}

/** Composes transforms left to right; the state is the tuple of the parts' states. */
export function chain(...transforms: GradientTransformation<unknown>[]): GradientTransformation<unknown[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params, ctx) {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        fail(`chain state must hold ${transforms.length} entries`, {
          where: 'chain',
          hint: 'pass the state returned by init() or the previous update()',
        });
      }
      let current: Tensor[] = [...updates];
      const next: unknown[] = [];
      transforms.forEach((t, i) => {
        const out = t.update(current, state[i], params, ctx);
        current = out.updates;
        next.push(out.state);
      });
      return { updates: current, state: next };
    },
  };
}

/** A stateless transform from a per-tensor function. */
export function stateless(
  fn: (update: Tensor, param: Tensor, ctx: StepContext) => Tensor,
): GradientTransformation<null> {
  return {
    init: () => null,
    update: (updates, state, params, ctx) => ({
      updates: updates.map((u, i) => fn(u, params[i]!, ctx)),
      state,
    }),
  };
}

/** Per-parameter state tensors, one zero-filled tensor per param (same shape and dtype). */
export function zerosLike(params: readonly Tensor[], fill = 0): Tensor[] {
  return params.map((p) => Tensor.full(p.shape, fill, p.dtype));
}

/**
 * Checks that per-parameter state matches the params it is applied to, so a state saved for a
 * different model fails here with a clear message instead of as a broadcasting error.
 */
export function checkSlots(slots: unknown, params: readonly Tensor[], where: string): readonly Tensor[] {
  if (!Array.isArray(slots) || slots.length !== params.length) {
    fail(`state holds ${Array.isArray(slots) ? slots.length : 'no'} tensors for ${params.length} params`, {
      where,
      hint: 'use the state created by init() for these same params',
    });
  }
  slots.forEach((s, i) => {
    const p = params[i]!;
    if (!(s instanceof Tensor) || s.dtype !== p.dtype || formatShape(s.shape) !== formatShape(p.shape)) {
      fail(`state tensor ${i} is ${String(s)} but param ${i} is ${p}`, {
        where,
        hint: 'use the state created by init() for these same params',
      });
    }
  });
  return slots as readonly Tensor[];
}
