import { fail, type Graph, type Node, Tensor, type TypedArray, toTyped } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { reptileDType } from './dtypes.ts';
import { Plan } from './plan.ts';

/**
 * Reptile programs on tfjs tensors without host round trips: `fromTfjs` gives a lazy Reptile
 * tensor standing for a tfjs tensor (or tf.Variable), and `toTfjs` evaluates Reptile tensors as
 * tfjs kernels on the user's backend, returning new tfjs tensors the caller owns.
 */
const boundTensors = new WeakMap<Node, tf.Tensor>();
let nextBinding = 0;

export function fromTfjs(t: tf.Tensor, name = `tfjs_${nextBinding++}`): Tensor {
  const x = Tensor.placeholder(name, t.shape, reptileDType(t.dtype, `fromTfjs('${name}')`));
  boundTensors.set(x.node, t);
  return x;
}

export function toTfjs(tensors: readonly Tensor[]): tf.Tensor[] {
  const nodes = tensors.map((t) => t.node);
  const plan = new Plan(nodes);
  const values = plan.deviceInputs.map((n) => {
    const t = boundTensors.get(n);
    if (!t) {
      const name = n.op.kind === 'input' ? n.op.name : '?';
      fail(`placeholder '${name}' is not bound to a tfjs tensor`, {
        where: 'toTfjs',
        hint: 'make graph inputs with fromTfjs(tensor), or run a traced graph with compileForTfjs',
      });
    }
    return t;
  });
  return plan.run(values);
}

/** Input names that are bound to host numbers each run (e.g. a step count or learning rate). */
export interface CompileOptions {
  readonly hostInputs?: readonly string[];
}

/**
 * A traced graph compiled once for tfjs. `run` binds named inputs (tfjs tensors, or host values
 * for `hostInputs`) and returns the named outputs as new tfjs tensors; constants are uploaded
 * once and kept until `dispose()`.
 */
export class TfjsProgram {
  private readonly plan: Plan;
  private readonly byName = new Map<string, Node>();

  constructor(
    readonly graph: Graph,
    options: CompileOptions = {},
  ) {
    for (const n of graph.inputs) if (n.op.kind === 'input') this.byName.set(n.op.name, n);
    const host = new Set<Node>();
    for (const name of options.hostInputs ?? []) host.add(this.input(name));
    this.plan = new Plan(graph.outputs, host, true);
  }

  run(inputs: Readonly<Record<string, tf.Tensor | number | TypedArray>>): Record<string, tf.Tensor> {
    for (const name of Object.keys(inputs)) this.input(name);
    const value = (n: Node) => {
      const v = inputs[n.op.kind === 'input' ? n.op.name : ''];
      if (v === undefined)
        fail(`input '${n.op.kind === 'input' ? n.op.name : n.id}' is missing`, { where: 'TfjsProgram.run' });
      return v;
    };
    const device = this.plan.deviceInputs.map((n) => {
      const v = value(n);
      return v instanceof tf.Tensor
        ? v
        : fail(`input '${n.op.kind === 'input' ? n.op.name : ''}' needs a tfjs tensor`, {
            where: 'TfjsProgram.run',
          });
    });
    const host = this.plan.hostInputs.map((n) => {
      const v = value(n);
      if (v instanceof tf.Tensor)
        return fail(`input '${n.op.kind === 'input' ? n.op.name : ''}' is a host input; pass numbers`, {
          where: 'TfjsProgram.run',
        });
      return toTyped(typeof v === 'number' ? [v] : v, n.dtype);
    });
    const out = this.plan.run(device, host);
    return Object.fromEntries(this.graph.outputNames.map((name, i) => [name, out[i]!]));
  }

  /** Positions of the graph's inputs among the plan's device and host inputs (for `runOrdered`). */
  get order(): { device: readonly Node[]; host: readonly Node[] } {
    return { device: this.plan.deviceInputs, host: this.plan.hostInputs };
  }

  /** The fast path: values in `order.device` / `order.host` order, outputs in graph order. */
  runOrdered(device: readonly tf.Tensor[], host: readonly TypedArray[]): tf.Tensor[] {
    return this.plan.run(device, host);
  }

  dispose(): void {
    this.plan.dispose();
  }

  private input(name: string): Node {
    return (
      this.byName.get(name) ??
      fail(`the graph has no input '${name}'`, {
        where: 'TfjsProgram',
        hint: `inputs: ${[...this.byName.keys()].join(', ')}`,
      })
    );
  }
}

export function compileForTfjs(graph: Graph, options: CompileOptions = {}): TfjsProgram {
  return new TfjsProgram(graph, options);
}
