import { fail } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from './named-state.ts';
import { VariableTensors } from './variable-tensors.ts';

export const EMA_PREFIX = 'reptile/ema/';

export interface EmaStart {
  readonly from: readonly tf.Tensor[];
  readonly created: readonly tf.Tensor[];
}

/** What `withEmaWeights` swaps: a tfjs-layers model (its `weights`), or a list of variables. */
export type WeightsLike = { readonly weights: readonly { readonly name: string }[] } | readonly tf.Variable[];

/**
 * A recipe's parameter EMA inside a tf.Optimizer, exactly as core's Trainer keeps it
 * (train/ema.ts): after each applied update, ema ← decay·ema + (1 − decay)·params, started at
 * the variable's value before its first update, with no bias correction. One copy per
 * variable, keyed by name, on the variable's backend; `decay·ema` and `(1 − decay)·params` are
 * float32 tfjs kernels, i.e. core's float32 arithmetic, so the values match it bit for bit.
 */
export class ParameterEma {
  private readonly copies = new VariableTensors(EMA_PREFIX);

  constructor(readonly decay: number) {}

  /**
   * What each variable's EMA starts the next update from: its copy, or (first update) a clone
   * of its value now, before the update. Throws, changing nothing, on a restored copy of
   * another shape. Pass the result to `update` after the update, or `release` it.
   */
  before(variables: readonly tf.Variable[]): EmaStart {
    const created: tf.Tensor[] = [];
    const from = variables.map((v) => {
      const copy = this.copies.get(v);
      if (copy) return copy;
      const start = tf.keep(tf.clone(v));
      created.push(start);
      return start;
    });
    return { from, created };
  }

  /** ema ← decay·ema + (1 − decay)·params, with `variables` now holding the updated params. */
  update(variables: readonly tf.Variable[], start: EmaStart): void {
    const next = tf.tidy(() =>
      start.from.map((e, i) => tf.add(tf.mul(e, this.decay), tf.mul(variables[i]!, 1 - this.decay))),
    );
    variables.forEach((v, i) => {
      this.copies.set(v.name, next[i]!);
    });
    this.release(start);
  }

  release(start: EmaStart): void {
    tf.dispose([...start.created]);
  }

  /** Copies of the EMAs (the caller owns them), keyed by variable name. */
  values(): tf.NamedTensorMap {
    return Object.fromEntries(
      this.copies.weights().map((w) => [w.name.slice(EMA_PREFIX.length), tf.clone(w.tensor)]),
    );
  }

  /**
   * Runs `fn` with every variable of `model` that has an EMA set to it, then puts the trained
   * values back, also when `fn` throws or rejects.
   */
  async swapped<T>(model: WeightsLike, fn: () => T | Promise<T>): Promise<T> {
    const names = (Array.isArray(model) ? model : (model as { weights: { name: string }[] }).weights).map(
      (w) => w.name,
    );
    const variables = names.map(
      (n) =>
        tf.engine().registeredVariables[n] ??
        fail(`'${n}' is not a live tf.Variable`, { where: 'withEmaWeights' }),
    );
    const pairs = variables.flatMap((v) => {
      const ema = this.copies.get(v);
      return ema ? [{ v, ema }] : [];
    });
    if (pairs.length === 0) {
      fail('none of these weights has an EMA yet', {
        where: 'withEmaWeights',
        hint: 'EMAs start with the first applied update of a recipe with ema; train first, and pass the model this optimizer trains',
      });
    }
    const trained = pairs.map(({ v }) => tf.keep(tf.clone(v)));
    for (const { v, ema } of pairs) v.assign(ema);
    try {
      return await fn();
    } finally {
      pairs.forEach(({ v }, i) => {
        v.assign(trained[i]!);
      });
      tf.dispose(trained);
    }
  }

  weights(): NamedTensor[] {
    return this.copies.weights();
  }

  /** Checks weights named `reptile/ema/…`; the returned function loads them (cannot fail). */
  check(weights: readonly NamedTensor[], where: string): () => void {
    const copies = new Map<string, tf.Tensor>();
    for (const w of weights) {
      const name = w.name.slice(EMA_PREFIX.length);
      if (!w.name.startsWith(EMA_PREFIX) || name === '' || copies.has(name))
        fail(`weight '${w.name}' is not one EMA per variable`, {
          where,
          hint: `expected '${EMA_PREFIX}<variable>'`,
        });
      copies.set(name, w.tensor);
    }
    return () => {
      this.copies.restore(copies);
    };
  }

  dispose(): void {
    this.copies.clear();
  }
}
