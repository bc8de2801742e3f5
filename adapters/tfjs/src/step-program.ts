import { fail, type Node, Tensor, type TensorSpec, trace } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { reptileDType } from './dtypes.ts';
import type { Leaf, Prepared } from './named-state.ts';
import { clipTransform, type TrainingSpec } from './spec.ts';
import { assembleState, type Layout, splitState } from './state-layout.ts';
import { compileForTfjs, type TfjsProgram } from './zero-copy.ts';

/** What one step produced: new params, new state leaves, and (with a guard) the non-finite count. */
export interface StepOutputs {
  readonly params: tf.Tensor[];
  readonly shared: Leaf[];
  readonly slots: Leaf[][];
  readonly nonFinite: tf.Tensor | undefined;
}

/**
 * One optimizer step for a fixed list of variables, traced once into a graph and compiled for
 * tfjs, so later steps only bind tensors: no graph building, no host round trip. The step
 * count and learning rate are host inputs (placeholders), so one program serves every step.
 */
export class StepProgram {
  private readonly program: TfjsProgram;
  private readonly sharedLeaves: readonly Leaf[];
  private readonly slotLeaves: readonly (readonly Leaf[])[];
  private readonly guard: boolean;
  private readonly deviceOrder: readonly number[];
  private readonly hostOrder: readonly ('step' | 'lr')[];

  constructor(
    spec: TrainingSpec,
    layout: Layout,
    names: readonly string[],
    variables: readonly tf.Variable[],
    prepared: Prepared,
  ) {
    this.guard = spec.nonFinite !== 'ignore';
    const specs: TensorSpec[] = [];
    const add = (name: string, t: { shape: readonly number[] }, dtype: TensorSpec['dtype']) => {
      specs.push({ name, shape: [...t.shape], dtype });
    };
    variables.forEach((v, i) => {
      add(`p${i}`, v, reptileDType(v.dtype, v.name));
    });
    variables.forEach((v, i) => {
      add(`g${i}`, v, reptileDType(v.dtype, v.name));
    });
    prepared.shared.forEach((l, k) => {
      if ('tensor' in l) add(`s${k}`, l.tensor, l.dtype);
    });
    prepared.slots.forEach((leaves, i) => {
      leaves.forEach((l, j) => {
        if ('tensor' in l) add(`v${i}_${j}`, l.tensor, l.dtype);
      });
    });
    specs.push({ name: 'step', shape: [], dtype: 'float64' }, { name: 'lr', shape: [], dtype: 'float64' });

    let outShared: Leaf[] = [];
    let outSlots: Leaf[][] = [];
    const graph = trace(specs, (...inputs) => {
      const byName = new Map(specs.map((s, i) => [s.name, inputs[i]!]));
      const n = variables.length;
      const params = inputs.slice(0, n);
      let grads = inputs.slice(n, 2 * n);
      const ctx = { step: byName.get('step')!, lr: byName.get('lr')! };
      const split = {
        shared: prepared.shared.map((l, k) => ('tensor' in l ? byName.get(`s${k}`)! : l.value)),
        slots: new Map(
          names.map((name, i) => [
            name,
            prepared.slots[i]!.map((l, j) => ('tensor' in l ? byName.get(`v${i}_${j}`)! : l.value)),
          ]),
        ),
      };
      if (spec.clip) {
        const clip = clipTransform(spec.clip);
        grads = clip.update(grads, clip.init(params), params, ctx).updates;
      }
      const out = spec.transform.update(
        grads,
        assembleState(split, layout, names, (x) => x),
        params,
        ctx,
      );
      const next = splitState(out.state, layout, names, (x) => x);
      const outputs: Tensor[] = params.map((p, i) => p.add(out.updates[i]!));
      const toLeaf = (v: unknown, before: unknown, where: string): Leaf => {
        if (isTensor(v)) {
          outputs.push(v);
          return { tensor: undefined as unknown as tf.Tensor, dtype: v.dtype };
        }
        if (isTensor(before) || JSON.stringify(v) !== JSON.stringify(before)) {
          fail(`optimizer state at ${where} changes a host value between steps`, {
            where: `optimizer '${spec.config.name}'`,
            hint: 'the tfjs adapter needs optimizer state made of tensors (plus constants)',
          });
        }
        return { value: v };
      };
      outShared = next.shared.map((v, k) => toLeaf(v, split.shared[k], `shared leaf ${k}`));
      outSlots = names.map((name) =>
        next.slots.get(name)!.map((v, j) => toLeaf(v, split.slots.get(name)![j], `${name} leaf ${j}`)),
      );
      if (this.guard) {
        const counts = grads.map((g) =>
          g.abs().lt(Number.POSITIVE_INFINITY).logicalNot().cast('int32').sum(),
        );
        outputs.push(counts.reduce((a, b) => a.add(b)));
      }
      return outputs;
    });
    this.sharedLeaves = outShared;
    this.slotLeaves = outSlots;
    this.program = compileForTfjs(graph, { hostInputs: ['step', 'lr'] });
    // Device inputs in the order run() collects them: params, grads, then state leaves.
    const position = new Map(specs.map((s, i) => [s.name, i]));
    this.deviceOrder = this.program.order.device.map((node) => position.get(inputName(node))!);
    this.hostOrder = this.program.order.host.map((node) => inputName(node) as 'step' | 'lr');
  }

  run(
    variables: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    prepared: Prepared,
    step: number,
    lr: number,
  ): StepOutputs {
    const n = variables.length;
    const byInput: tf.Tensor[] = [...variables, ...grads];
    for (const l of prepared.shared) if ('tensor' in l) byInput.push(l.tensor);
    for (const leaves of prepared.slots) for (const l of leaves) if ('tensor' in l) byInput.push(l.tensor);
    const values = this.program.runOrdered(
      this.deviceOrder.map((i) => byInput[i]!),
      this.hostOrder.map((name) => Float64Array.of(name === 'step' ? step : lr)),
    );
    let k = n;
    const fill = (l: Leaf): Leaf => ('tensor' in l ? { tensor: values[k++]!, dtype: l.dtype } : l);
    const shared = this.sharedLeaves.map(fill);
    const slots = this.slotLeaves.map((leaves) => leaves.map(fill));
    return { params: values.slice(0, n), shared, slots, nonFinite: this.guard ? values[k] : undefined };
  }

  dispose(): void {
    this.program.dispose();
  }
}

const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;
const inputName = (n: Node): string => (n.op.kind === 'input' ? n.op.name : '');

/** Programs kept per optimizer (one per distinct variable list; fit() uses one). */
const MAX_PROGRAMS = 8;

/**
 * An optimizer's step programs, least recently used evicted first. Under a recipe's
 * `accumulate` the spec given here has no clip and no guard: those act on each micro-batch
 * (gradient-program.ts), and the update then runs on the window's mean.
 */
export class StepPrograms {
  private readonly programs = new Map<string, StepProgram>();
  /** The program of the previous call: fit() passes the same variables every step. */
  private last:
    | { backend: string; names: readonly string[]; variables: readonly tf.Variable[]; program: StepProgram }
    | undefined;

  constructor(
    private readonly spec: TrainingSpec,
    private readonly layout: Layout,
  ) {}

  get(names: readonly string[], variables: readonly tf.Variable[], prepared: Prepared): StepProgram {
    const backend = tf.getBackend();
    const last = this.last;
    if (last && last.backend === backend && sameCall(last.names, last.variables, names, variables))
      return last.program;
    let key = backend;
    names.forEach((n, i) => {
      key += `\u0000${n}:${variables[i]!.shape.join(',')}:${prepared.slots[i]!.length}`;
    });
    let program = this.programs.get(key);
    if (program) {
      this.programs.delete(key); // re-insert: the map's order is least recently used first
    } else {
      program = new StepProgram(this.spec, this.layout, names, variables, prepared);
      if (this.programs.size >= MAX_PROGRAMS) {
        const [oldest, p] = this.programs.entries().next().value as [string, StepProgram];
        p.dispose();
        this.programs.delete(oldest);
        if (this.last?.program === p) this.last = undefined;
      }
    }
    this.programs.set(key, program);
    this.last = { backend, names: [...names], variables: [...variables], program };
    return program;
  }

  clear(): void {
    for (const p of this.programs.values()) p.dispose();
    this.programs.clear();
    this.last = undefined;
  }
}

/** The same variable objects in the same order (a tf.Variable never changes shape). */
function sameCall(
  names: readonly string[],
  variables: readonly tf.Variable[],
  names2: readonly string[],
  variables2: readonly tf.Variable[],
): boolean {
  if (names.length !== names2.length) return false;
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== names2[i] || variables[i] !== variables2[i]) return false;
  }
  return true;
}
