import { fail } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { GradientProgram } from './gradient-program.ts';
import type { NamedTensor } from './named-state.ts';
import type { TrainingSpec } from './spec.ts';
import { VariableTensors } from './variable-tensors.ts';

export const ACCUMULATE_PREFIX = 'reptile/accumulate/';
const COUNT = `${ACCUMULATE_PREFIX}count`;
const SUM_PREFIX = `${ACCUMULATE_PREFIX}sum/`;
/** Gradient programs kept (one per distinct list of gradient shapes; fit() uses one). */
const MAX_PROGRAMS = 8;

/** What one micro-batch led to. */
export type MicroBatch =
  | { readonly kind: 'accumulated' | 'skipped' }
  /** The N-th micro-batch: update `variables` with `means` (owned by the caller), then `commit()`. */
  | { readonly kind: 'ready'; readonly variables: tf.Variable[]; readonly means: tf.Tensor[] };

/**
 * A recipe's `accumulate: N` inside a tf.Optimizer, in core's order (train/trainer.ts): each call
 * clips its gradients and checks them for NaN/±∞, then adds them to per-variable sums kept on
 * the backend; the N-th call's update uses sum/N. Sums are float32 tfjs adds, exactly core's
 * float32 arithmetic, so updates equal core's Trainer bit for bit when nothing is clipped by norm.
 *
 * A variable without a gradient in a call (tfjs passes none when the loss does not touch it)
 * adds zero, so the update covers every variable that had a gradient in any of the N calls.
 */
export class GradientAccumulator {
  /** Micro-batches summed since the last update (0 ≤ count < N). */
  count = 0;
  private readonly sums = new VariableTensors(SUM_PREFIX);
  private readonly programs = new Map<string, GradientProgram>();

  constructor(private readonly spec: TrainingSpec) {}

  get every(): number {
    return this.spec.accumulate;
  }

  /**
   * Adds one micro-batch. Throws (changing nothing) on a non-finite gradient under
   * `nonFinite: 'error'`; under 'skip' the micro-batch is dropped and not counted.
   */
  add(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], where: string): MicroBatch {
    const run = this.program(grads).run(grads);
    const owned = run.owned ? new Set(run.grads) : new Set<tf.Tensor>();
    try {
      if (run.nonFinite > 0) {
        if (this.spec.nonFinite === 'skip') return { kind: 'skipped' };
        fail(
          `non-finite gradient entries (${run.nonFinite}) among ${variables.map((v) => v.name).join(', ')}`,
          {
            where,
            hint: "variables, optimizer state and accumulated gradients were left unchanged; lower the learning rate, clip gradients, or set recipe.nonFinite to 'skip'",
          },
        );
      }
      const before = variables.map((v) => this.sums.get(v));
      if (this.count + 1 < this.every) {
        const next = run.grads.map((g, i) => {
          const sum = before[i];
          if (sum) return tf.add(sum, g);
          if (!owned.delete(g)) return tf.clone(g); // the caller's own gradient: copy it
          return g;
        });
        variables.forEach((v, i) => {
          this.sums.set(v.name, next[i]!);
        });
        this.count += 1;
        return { kind: 'accumulated' };
      }
      return this.ready(variables, run.grads, before);
    } finally {
      tf.dispose([...owned]);
    }
  }

  /** Empties the window after its update was applied. */
  commit(): void {
    this.sums.clear();
    this.count = 0;
  }

  weights(): NamedTensor[] {
    return [{ name: COUNT, tensor: tf.scalar(this.count, 'int32') }, ...this.sums.weights()];
  }

  /** Checks weights named `reptile/accumulate/…`; the returned function loads them (cannot fail). */
  check(weights: readonly NamedTensor[], where: string): () => void {
    let count: number | undefined;
    const sums = new Map<string, tf.Tensor>();
    for (const w of weights) {
      if (w.name === COUNT) {
        const v = w.tensor.dataSync()[0];
        if (w.tensor.size !== 1 || v === undefined || !Number.isInteger(v) || v < 0 || v >= this.every) {
          fail(`'${COUNT}' must be one integer in [0, ${this.every}), got ${w.tensor.size} value(s): ${v}`, {
            where,
            hint: `was it saved by an optimizer with another recipe.accumulate than ${this.every}?`,
          });
        }
        count = v;
      } else if (w.name.startsWith(SUM_PREFIX) && w.name.length > SUM_PREFIX.length) {
        sums.set(w.name.slice(SUM_PREFIX.length), w.tensor);
      } else {
        fail(`weight '${w.name}' is not part of a gradient accumulation`, {
          where,
          hint: `expected '${COUNT}' and '${SUM_PREFIX}<variable>'`,
        });
      }
    }
    if (count === undefined) {
      fail(`the '${COUNT}' weight is missing`, {
        where,
        hint: 'pass the weights getWeights() of an optimizer with the same recipe.accumulate wrote',
      });
    }
    return () => {
      this.count = count;
      this.sums.restore(sums);
    };
  }

  dispose(): void {
    this.sums.clear();
    for (const p of this.programs.values()) p.dispose();
    this.programs.clear();
    this.count = 0;
  }

  /** The N-th micro-batch: the mean of the window for every variable with a sum or a gradient. */
  private ready(
    variables: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    sums: readonly (tf.Tensor | undefined)[],
  ): MicroBatch {
    const all = [...variables];
    const totals: { sum: tf.Tensor | undefined; grad: tf.Tensor | undefined }[] = grads.map((g, i) => ({
      sum: sums[i],
      grad: g,
    }));
    const inCall = new Set(variables.map((v) => v.name));
    for (const name of this.sums.names) {
      if (inCall.has(name)) continue;
      const v = tf.engine().registeredVariables[name];
      if (!v) {
        fail(`gradients were accumulated for '${name}', but no tf.Variable has that name any more`, {
          where: 'ReptileOptimizer',
          hint: 'keep the model alive for a whole accumulation window; nothing was changed',
        });
      }
      totals.push({ sum: this.sums.get(v), grad: undefined });
      all.push(v);
    }
    // The sum, then the division: two float32 roundings, as core computes `sum.add(g).div(N)`.
    const means = tf.tidy(() =>
      totals.map(({ sum, grad }) => {
        const total = sum && grad ? tf.add(sum, grad) : (sum ?? grad)!;
        return tf.div(total, tf.scalar(this.every, total.dtype));
      }),
    );
    return { kind: 'ready', variables: all, means };
  }

  private program(grads: readonly tf.Tensor[]): GradientProgram {
    const key = `${tf.getBackend()}\u0000${grads.map((g) => g.shape.join(',')).join(';')}`;
    let program = this.programs.get(key);
    if (program) {
      this.programs.delete(key); // re-insert below: least recently used first
    } else {
      program = new GradientProgram(this.spec.clip, grads);
      if (this.programs.size >= MAX_PROGRAMS) {
        const [oldest, p] = this.programs.entries().next().value as [string, GradientProgram];
        p.dispose();
        this.programs.delete(oldest);
      }
    }
    this.programs.set(key, program);
    return program;
  }
}
