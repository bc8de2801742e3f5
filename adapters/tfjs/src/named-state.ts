import { type DType, fail, Tensor } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { reptileDType, tfDType } from './dtypes.ts';
import type { TrainingSpec } from './spec.ts';
import { type Layout, leafPaths, probeLayout, splitState } from './state-layout.ts';
import { fromTfjs, toTfjs } from './zero-copy.ts';

/** A state leaf: a device tensor (with the Reptile dtype it stands for) or a plain host value. */
export type Leaf = { readonly tensor: tf.Tensor; readonly dtype: DType } | { readonly value: unknown };

export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** The leaves one step reads, in the order the step program takes them. */
export interface Prepared {
  /** Stored key of each variable of the call (its name, or the saved name it was matched to). */
  readonly keys: readonly string[];
  readonly shared: readonly Leaf[];
  readonly slots: readonly (readonly Leaf[])[];
  /** Tensors created for this step (first-use init): disposed if the step does not commit. */
  readonly created: readonly tf.Tensor[];
}

const ITER = 'iter';
const SHARED_PREFIX = 'reptile/';

/**
 * Optimizer state keyed by variable name (state-layout.ts explains why). Saved as tfjs weights:
 * `iter` (the update count), `reptile/<path>` for shared tensors and `<variable>/<path>` for
 * per-variable tensors, e.g. `dense_Dense1/kernel/1.m` for Adam's first moment.
 */
export class NamedState {
  step = 0;
  readonly layout: Layout;
  private readonly paths: { shared: string[]; slot: string[] };
  private shared: Leaf[] | undefined;
  private readonly slots = new Map<string, Leaf[]>();
  /** Loaded by setWeights and not yet matched to a live variable: name → path → tensor. */
  private restored = new Map<string, Map<string, tf.Tensor>>();
  private restoredShared = new Map<string, tf.Tensor>();

  constructor(private readonly spec: TrainingSpec) {
    this.layout = probeLayout(spec.init, `optimizer '${spec.config.name}' state`);
    this.paths = leafPaths(this.layout);
  }

  /** Names of the variables this state knows (live or restored). */
  get names(): string[] {
    return [...this.slots.keys(), ...this.restored.keys()];
  }

  /**
   * The leaves for a step on `names` (live variable names), creating state on first use. Fails,
   * changing nothing, if a name is unknown to a state that is already in use.
   */
  prepare(names: readonly string[], variables: readonly tf.Variable[]): Prepared {
    const fresh = this.shared === undefined && this.restored.size === 0 && this.restoredShared.size === 0;
    if (fresh) return this.initial(names, variables);
    if (this.shared && this.restored.size === 0) {
      // The common case: every variable already has live state under its own name.
      const slots = names.map((n) => this.slots.get(n));
      if (slots.every((l) => l !== undefined))
        return { keys: names, shared: this.shared, slots, created: [] };
    }
    const keys = this.resolve(names);
    const live = keys.map((key) => this.slots.get(key));
    if (this.shared && live.every((l) => l !== undefined))
      return { keys, shared: this.shared, slots: live, created: [] };
    // Restored state meets its variables: check it against what a fresh init would hold.
    const expected = this.expectedLeaves(variables);
    const slots = keys.map((key, i) => live[i] ?? this.bindRestored(key, names[i]!, expected.slots[i]!));
    const shared = this.shared ?? this.bindShared(expected.shared);
    return { keys, shared, slots, created: [] };
  }

  /**
   * Fails where `prepare` would (a variable unknown to state in use, saved state of another
   * shape), changing nothing: gradient accumulation checks each micro-batch with it.
   */
  check(names: readonly string[], variables: readonly tf.Variable[]): void {
    const fresh = this.shared === undefined && this.restored.size === 0 && this.restoredShared.size === 0;
    if (!fresh) this.discard(this.prepare(names, variables));
  }

  /** Replaces the leaves of a prepared step with its results and disposes what they replace. */
  commit(prepared: Prepared, names: readonly string[], shared: Leaf[], slots: Leaf[][]): void {
    // tf.keep: the step may run inside the caller's tf.tidy, which must not free optimizer state.
    // Results are always fresh tensors (plan.ts), so every replaced tensor can go.
    const swap = (before: readonly Leaf[], after: readonly Leaf[]) => {
      for (const l of after) if ('tensor' in l) tf.keep(l.tensor);
      for (const l of before) if ('tensor' in l) l.tensor.dispose();
    };
    swap(prepared.shared, shared);
    this.shared = shared;
    prepared.keys.forEach((key, i) => {
      swap(prepared.slots[i]!, slots[i]!);
      if (key !== names[i]) {
        this.slots.delete(key);
        this.restored.delete(key);
      }
      this.slots.set(names[i]!, slots[i]!);
    });
    if (this.restored.size > 0) for (const key of prepared.keys) this.restored.delete(key);
    this.restoredShared.clear();
    this.step += 1;
  }

  /** Disposes tensors created by a step that did not commit. */
  discard(prepared: Prepared): void {
    tf.dispose([...prepared.created]);
  }

  weights(): NamedTensor[] {
    const out: NamedTensor[] = [{ name: ITER, tensor: tf.scalar(this.step, 'int32') }];
    let i = 0;
    for (const leaf of this.shared ?? []) {
      const path = this.paths.shared[i++]!;
      if ('tensor' in leaf) out.push({ name: `${SHARED_PREFIX}${path}`, tensor: leaf.tensor });
    }
    for (const [path, tensor] of this.restoredShared) out.push({ name: `${SHARED_PREFIX}${path}`, tensor });
    for (const [name, leaves] of this.slots) {
      leaves.forEach((leaf, j) => {
        if ('tensor' in leaf) out.push({ name: `${name}/${this.paths.slot[j]}`, tensor: leaf.tensor });
      });
    }
    for (const [name, byPath] of this.restored) {
      for (const [path, tensor] of byPath) out.push({ name: `${name}/${path}`, tensor });
    }
    return out;
  }

  /**
   * Loads weights written by `weights()` (possibly in another process). Everything is checked
   * before anything is replaced; shapes are checked against each variable when it is first seen.
   */
  restore(weights: readonly NamedTensor[], where: string): void {
    let step: number | undefined;
    const byName = new Map<string, Map<string, tf.Tensor>>();
    const shared = new Map<string, tf.Tensor>();
    for (const w of weights) {
      if (!w || typeof w.name !== 'string' || !(w.tensor instanceof tf.Tensor)) {
        fail('expected {name, tensor} entries', { where });
      }
      if (w.name === ITER) {
        const v = w.tensor.dataSync()[0];
        if (w.tensor.size !== 1 || v === undefined || !Number.isInteger(v) || v < 0) {
          fail(`'iter' must be one non-negative integer, got ${w.tensor.size} values`, { where });
        }
        step = v;
      } else if (
        w.name.startsWith(SHARED_PREFIX) &&
        this.paths.shared.includes(w.name.slice(SHARED_PREFIX.length))
      ) {
        shared.set(w.name.slice(SHARED_PREFIX.length), w.tensor);
      } else {
        const path = this.paths.slot.find((p) => w.name.endsWith(`/${p}`));
        if (!path) {
          fail(`weight '${w.name}' is not part of a '${this.spec.config.name}' state`, {
            where,
            hint: `expected 'iter' and '<variable>/<${this.paths.slot.join('|')}>'; was it saved by another optimizer?`,
          });
        }
        const variable = w.name.slice(0, -(path.length + 1));
        const entry = byName.get(variable) ?? new Map<string, tf.Tensor>();
        if (entry.has(path)) fail(`weight '${w.name}' appears twice`, { where });
        entry.set(path, w.tensor);
        byName.set(variable, entry);
      }
    }
    if (step === undefined)
      fail("the 'iter' weight is missing", { where, hint: 'pass the weights getWeights() wrote' });
    for (const [variable, entry] of byName) {
      const missing = this.paths.slot.filter((p) => !entry.has(p));
      if (missing.length > 0) fail(`state of '${variable}' lacks ${missing.join(', ')}`, { where });
    }
    this.dispose();
    this.step = step;
    const keep = (t: tf.Tensor) => tf.keep(tf.clone(t));
    this.restored = new Map([...byName].map(([n, e]) => [n, new Map([...e].map(([p, t]) => [p, keep(t)]))]));
    this.restoredShared = new Map([...shared].map(([p, t]) => [p, keep(t)]));
  }

  dispose(): void {
    const all: tf.Tensor[] = [];
    for (const l of [...(this.shared ?? []), ...[...this.slots.values()].flat()])
      if ('tensor' in l) all.push(l.tensor);
    for (const e of this.restored.values()) all.push(...e.values());
    all.push(...this.restoredShared.values());
    tf.dispose(all);
    this.shared = undefined;
    this.slots.clear();
    this.restored.clear();
    this.restoredShared.clear();
    this.step = 0;
  }

  private initial(names: readonly string[], variables: readonly tf.Variable[]): Prepared {
    const params = variables.map((v, i) => fromTfjs(v, `param_${i}`));
    const split = splitState(this.spec.init(params), this.layout, names, (v) => v);
    const lazy: Tensor[] = [];
    for (const v of [...split.shared, ...[...split.slots.values()].flat()])
      if (v instanceof Tensor) lazy.push(v);
    const values = toTfjs(lazy);
    const toLeaf = (v: unknown): Leaf => {
      if (!(v instanceof Tensor)) return { value: v };
      return { tensor: values[lazy.indexOf(v)]!, dtype: v.dtype };
    };
    return {
      keys: names,
      shared: split.shared.map(toLeaf),
      slots: names.map((n) => split.slots.get(n)!.map(toLeaf)),
      created: values,
    };
  }

  /** Matches live names to stored ones: exactly, or up to tfjs' `_1`, `_2` uniqueness suffix. */
  private resolve(names: readonly string[]): string[] {
    const taken = new Set<string>();
    const keys = names.map((n) => (this.slots.has(n) || this.restored.has(n) ? n : undefined));
    for (const k of keys) if (k) taken.add(k);
    return names.map((name, i) => {
      if (keys[i]) return keys[i]!;
      const candidates = [...this.restored.keys()].filter(
        (k) => !taken.has(k) && baseName(k) === baseName(name),
      );
      if (candidates.length === 1) {
        taken.add(candidates[0]!);
        return candidates[0]!;
      }
      return fail(`got a gradient for variable '${name}', which this optimizer has never seen`, {
        where: `ReptileOptimizer (${this.spec.config.name})`,
        hint: `it keeps state for: ${this.names.join(', ') || 'none'}. Use one optimizer per model, or a new optimizer for new variables; nothing was changed`,
      });
    });
  }

  /** Leaves a fresh init gives each variable (shapes, dtypes, and host values to reuse). */
  private expectedLeaves(variables: readonly tf.Variable[]): { shared: unknown[]; slots: unknown[][] } {
    const params = variables.map((v) => Tensor.zeros(v.shape, reptileDType(v.dtype, v.name)));
    const names = variables.map((_, i) => String(i));
    const split = splitState(this.spec.init(params), this.layout, names, (v) => v);
    return { shared: split.shared, slots: names.map((n) => split.slots.get(n)!) };
  }

  private bindRestored(key: string, name: string, expected: readonly unknown[]): Leaf[] {
    const byPath = this.restored.get(key)!;
    return expected.map((e, j) => {
      if (!(e instanceof Tensor)) return { value: e };
      const path = this.paths.slot[j]!;
      return {
        tensor: checked(byPath.get(path)!, e, `saved state '${key}/${path}' for variable '${name}'`),
        dtype: e.dtype,
      };
    });
  }

  private bindShared(expected: readonly unknown[]): Leaf[] {
    return expected.map((e, j) => {
      if (!(e instanceof Tensor)) return { value: e };
      const path = this.paths.shared[j]!;
      const t = this.restoredShared.get(path) ?? fail(`saved state lacks '${SHARED_PREFIX}${path}'`);
      return { tensor: checked(t, e, `saved state '${SHARED_PREFIX}${path}'`), dtype: e.dtype };
    });
  }
}

function checked(t: tf.Tensor, like: Tensor, what: string): tf.Tensor {
  const same = t.shape.length === like.shape.length && t.shape.every((d, i) => d === like.shape[i]);
  if (!same || t.dtype !== tfDType(like.dtype)) {
    fail(
      `${what} is ${t.dtype}[${t.shape.join(',')}], the variable needs ${tfDType(like.dtype)}[${like.shape.join(',')}]`,
      {
        where: 'ReptileOptimizer',
        hint: 'load optimizer weights saved for this same model; nothing was changed',
      },
    );
  }
  return t;
}

/** A tfjs variable name without the `_N` suffix tfjs-layers adds when a name is taken. */
function baseName(name: string): string {
  return name.replace(/_\d+$/, '');
}
