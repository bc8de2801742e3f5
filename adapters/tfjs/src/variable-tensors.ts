import { fail } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensor } from './named-state.ts';

/**
 * One kept tensor per variable, keyed by variable name, with the variable's shape and dtype
 * (gradient sums, EMA copies). Entries loaded by `restore` are matched to live variables the way
 * NamedState matches optimizer slots: exactly, or up to tfjs-layers' `_1`, `_2` suffix when a
 * loaded model's variables were renamed.
 */
export class VariableTensors {
  private readonly live = new Map<string, tf.Tensor>();
  private restored = new Map<string, tf.Tensor>();

  /** `prefix` names the saved weights: `<prefix><variable>`. */
  constructor(readonly prefix: string) {}

  get size(): number {
    return this.live.size + this.restored.size;
  }

  /** Every variable name held (restored entries not yet matched keep their saved name). */
  get names(): string[] {
    return [...this.live.keys(), ...this.restored.keys()];
  }

  /**
   * The tensor held for live variable `variable`, or undefined. A restored entry is checked
   * against the variable and then kept under the live name (a rename; nothing else changes).
   */
  get(variable: tf.Variable): tf.Tensor | undefined {
    const name = variable.name;
    const own = this.live.get(name);
    if (own) return own;
    const key = this.restored.has(name) ? name : this.candidate(name);
    if (key === undefined) return undefined;
    const t = this.restored.get(key)!;
    const same = t.shape.length === variable.shape.length && t.shape.every((d, i) => d === variable.shape[i]);
    if (!same || t.dtype !== variable.dtype) {
      fail(
        `saved '${this.prefix}${key}' is ${t.dtype}[${t.shape.join(',')}], variable '${name}' is ${variable.dtype}[${variable.shape.join(',')}]`,
        {
          where: 'ReptileOptimizer',
          hint: 'load optimizer weights saved for this same model; nothing was changed',
        },
      );
    }
    this.restored.delete(key);
    this.live.set(name, t);
    return t;
  }

  /** Holds `t` for `name` (kept: it outlives the caller's tf.tidy) and disposes what it replaces. */
  set(name: string, t: tf.Tensor): void {
    const before = this.live.get(name) ?? this.restored.get(name);
    tf.keep(t);
    this.restored.delete(name);
    this.live.set(name, t);
    if (before && before !== t) before.dispose();
  }

  /** The weights `getWeights()` writes: the held tensors themselves, not copies. */
  weights(): NamedTensor[] {
    return [...this.live, ...this.restored].map(([name, tensor]) => ({
      name: `${this.prefix}${name}`,
      tensor,
    }));
  }

  /** Replaces everything with copies of `entries` (variable name → tensor). Cannot fail. */
  restore(entries: ReadonlyMap<string, tf.Tensor>): void {
    this.clear();
    this.restored = new Map([...entries].map(([n, t]) => [n, tf.keep(tf.clone(t))]));
  }

  clear(): void {
    tf.dispose([...this.live.values(), ...this.restored.values()]);
    this.live.clear();
    this.restored.clear();
  }

  /** The one restored entry whose name equals `name` up to tfjs' `_N` suffix, if exactly one does. */
  private candidate(name: string): string | undefined {
    const found = [...this.restored.keys()].filter((k) => baseName(k) === baseName(name));
    return found.length === 1 ? found[0] : undefined;
  }
}

function baseName(name: string): string {
  return name.replace(/_\d+$/, '');
}
