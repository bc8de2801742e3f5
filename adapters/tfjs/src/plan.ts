import {
  type DType,
  fail,
  type Node,
  primName,
  ReferenceBackend,
  type TypedArray,
  topoSort,
  toTyped,
} from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { tfDType, toTfStorage } from './dtypes.ts';
import { compileScalars, hostRepresentatives, type Place, type ScalarProgram } from './host-values.ts';
import { acceptsLazyBroadcast, aliasesInput, KERNELS, type Kernel } from './kernels.ts';
import { type Quirks, quirksOf } from './quirks.ts';

/**
 * Scalars computed only from constants and host inputs (bias corrections 1 − β^t, the scheduled
 * learning rate, casts of them) are evaluated on the host by the reference backend, in float64
 * where the program says float64 — as PyTorch does with Python floats — and uploaded once per
 * run. Everything larger, or touching a device tensor, runs as tfjs kernels.
 */
const HOST_MAX_SIZE = 1;

/** One device node: its kernel, the value slots it reads and writes, and the slots freed after it. */
interface Step {
  readonly node: Node;
  readonly mode: 'kernel' | 'expand' | 'reshape' | 'empty';
  readonly kernel: Kernel;
  readonly ins: readonly number[];
  /** Input nodes, for expanding lazily broadcast operands of non-elementwise kernels. */
  readonly inNodes: readonly Node[];
  readonly out: number;
  readonly lazy: boolean;
  readonly free: readonly number[];
  readonly shape: number[];
}

const reference = new ReferenceBackend();

/**
 * A graph compiled for tfjs: nodes split into host and device parts, device nodes in execution
 * order with every value in a numbered slot, and each intermediate freed right after its last
 * reader (peak memory stays near the live set, as in a hand-written tfjs loop). A persistent plan
 * (one per optimizer variable set) keeps its uploads of host values across runs — static ones
 * for good, dynamic ones while the host inputs repeat; `dispose()` frees them.
 */
export class Plan {
  readonly deviceInputs: readonly Node[];
  readonly hostInputs: readonly Node[];
  private readonly slot = new Map<Node, number>();
  /** Each host boundary node's representative among equal host computations. */
  private readonly alias = new Map<Node, Node>();
  private boundarySlots: readonly (readonly [number, Node])[] = [];
  private outputClone: readonly boolean[] = [];
  private readonly steps: Step[] = [];
  private readonly staticBoundary: readonly Node[];
  private readonly dynamicBoundary: readonly Node[];
  /** Host nodes that depend on host inputs, in evaluation order, and the static values they read. */
  private readonly dynamicNodes: readonly Node[];
  private readonly staticFeeds: readonly Node[];
  /** When every dynamic node is a one-element op: those ops as closures (host-scalar.ts). */
  private readonly scalarProgram: ScalarProgram | undefined;
  private staticFeedValues: Float64Array | undefined;
  private staticCache: Map<Node, tf.Tensor> | undefined;
  private dynamicCache: { inputs: TypedArray[]; values: Map<Node, tf.Tensor> } | undefined;

  constructor(
    readonly outputs: readonly Node[],
    hostInputs: ReadonlySet<Node> = new Set(),
    private readonly persistent = false,
  ) {
    const isLeaf = (n: Node) => n.cached !== undefined || n.op.kind === 'constant' || n.op.kind === 'input';
    const place = new Map<Node, Place>();
    const device: Node[] = [];
    const deviceInputs: Node[] = [];
    const hostIns: Node[] = [];
    for (const n of topoSort(outputs, isLeaf)) {
      if (n.cached !== undefined || n.op.kind === 'constant') place.set(n, 'static');
      else if (n.op.kind === 'input') {
        place.set(n, hostInputs.has(n) ? 'dynamic' : 'device');
        (hostInputs.has(n) ? hostIns : deviceInputs).push(n);
      } else {
        const from = n.inputs.map((i) => place.get(i)!);
        const onHost = !from.includes('device') && n.size <= HOST_MAX_SIZE;
        place.set(n, onHost ? (from.includes('dynamic') ? 'dynamic' : 'static') : 'device');
        if (!onHost) device.push(n);
      }
    }
    const boundary = new Set<Node>();
    for (const n of device) for (const i of n.inputs) if (place.get(i) !== 'device') boundary.add(i);
    for (const o of outputs) if (place.get(o) !== 'device') boundary.add(o);
    this.deviceInputs = deviceInputs;
    this.hostInputs = hostIns;
    // Optimizers repeat the same scalar chain per parameter (e.g. sqrt(1 − β2^t) cast to each
    // param's dtype); equal host computations are evaluated and uploaded once.
    const canonical = hostRepresentatives([...boundary], place);
    for (const n of boundary) this.alias.set(n, canonical.get(n)!);
    const reps = [...new Set([...boundary].map((n) => canonical.get(n)!))];
    this.staticBoundary = reps.filter((n) => place.get(n) === 'static');
    this.dynamicBoundary = reps.filter((n) => place.get(n) === 'dynamic');
    this.dynamicNodes = topoSort(this.dynamicBoundary, isLeaf).filter((n) => place.get(n) === 'dynamic');
    this.staticFeeds = [
      ...new Set(this.dynamicNodes.flatMap((n) => n.inputs.filter((i) => place.get(i) === 'static'))),
    ];
    this.scalarProgram = compileScalars(this.dynamicNodes, this.staticFeeds, this.dynamicBoundary);
    this.schedule(device, [...deviceInputs, ...boundary]);
  }

  /** Numbers the values and works out when each device intermediate can be freed. */
  private schedule(device: readonly Node[], leaves: readonly Node[]): void {
    for (const n of [...leaves, ...device]) this.slot.set(n, this.slot.size);
    // An aliasing node shares its input's tensor, so the tensor's owner lives until the last
    // reader of any alias. Leaves (inputs, uploads) are never freed here.
    const owner = new Map<Node, Node>();
    for (const n of device) owner.set(n, aliasesInput(n) ? (owner.get(n.inputs[0]!) ?? n.inputs[0]!) : n);
    const lastUse = new Map<Node, number>();
    device.forEach((n, k) => {
      for (const i of n.inputs) {
        const o = owner.get(i);
        if (o) lastUse.set(o, k);
      }
    });
    for (const out of this.outputs) {
      const o = owner.get(out);
      if (o) lastUse.set(o, Number.POSITIVE_INFINITY);
    }
    const freeAt = new Map<number, number[]>();
    for (const [o, k] of lastUse) {
      if (!Number.isFinite(k) || !owner.has(o) || owner.get(o) !== o) continue;
      const list = freeAt.get(k) ?? [];
      list.push(this.slot.get(o)!);
      freeAt.set(k, list);
    }
    // An output must be a tensor the caller owns: one that is an input, an upload, or the same
    // tensor as an earlier output is handed out as a clone.
    const handedOut = new Set<Node>();
    this.outputClone = this.outputs.map((out) => {
      const o = owner.get(out);
      if (!o || handedOut.has(o)) return true;
      handedOut.add(o);
      return false;
    });
    this.boundarySlots = [...this.alias].map(([n, rep]) => [this.slot.get(n)!, rep] as const);
    device.forEach((n, k) => {
      const kind = n.op.kind;
      this.steps.push({
        node: n,
        mode:
          n.size === 0 ? 'empty' : kind === 'expand' ? 'expand' : kind === 'reshape' ? 'reshape' : 'kernel',
        kernel: KERNELS[primName(n.op)],
        ins: n.inputs.map((i) => this.slot.get(i)!),
        inNodes: n.inputs,
        out: this.slot.get(n)!,
        lazy: acceptsLazyBroadcast(n),
        free: freeAt.get(k) ?? [],
        shape: [...n.shape],
      });
    });
  }

  /**
   * Evaluates the outputs. `device[i]` binds `deviceInputs[i]` to a tfjs tensor of its shape
   * (float64 nodes take float32 tensors), `host[i]` binds `hostInputs[i]` to host data.
   * Every returned tensor is new and owned by the caller, even when an output is an input; all
   * intermediates are disposed.
   */
  run(device: readonly tf.Tensor[], host: readonly TypedArray[] = []): tf.Tensor[] {
    const hostValues = new Map<Node, TypedArray>();
    this.hostInputs.forEach((n, i) => {
      const v = host[i];
      if (!v || v.length !== n.size) unbound(n);
      hostValues.set(n, v);
    });
    const quirks = quirksOf();
    const statics = this.persistent ? this.cachedStatics() : undefined;
    const dynamics = this.persistent ? this.cachedDynamics(hostValues) : undefined;
    return tf.tidy(() => {
      const values: tf.Tensor[] = new Array(this.slot.size);
      this.deviceInputs.forEach((n, i) => {
        const t = device[i] ?? unbound(n);
        checkBound(n, t);
        values[this.slot.get(n)!] = t;
      });
      const scalars = new Map<string, tf.Tensor>();
      const staticValues = statics ?? this.uploadAll(this.staticBoundary, new Map(), scalars);
      const dynamicValues = dynamics ?? this.uploadAll(this.dynamicBoundary, hostValues, scalars);
      for (const [slot, rep] of this.boundarySlots)
        values[slot] = staticValues.get(rep) ?? dynamicValues.get(rep)!;
      for (const step of this.steps) {
        values[step.out] = evaluate(step, values, quirks);
        const free = step.free;
        for (let i = 0; i < free.length; i++) values[free[i]!]!.dispose();
      }
      return this.outputs.map((o, i) => {
        const t = values[this.slot.get(o)!]!;
        const f = full(t, o);
        return this.outputClone[i] && f === t ? tf.clone(t) : f;
      });
    });
  }

  dispose(): void {
    if (this.staticCache) tf.dispose([...this.staticCache.values()]);
    if (this.dynamicCache) tf.dispose([...this.dynamicCache.values.values()]);
    this.staticCache = undefined;
    this.dynamicCache = undefined;
  }

  private cachedStatics(): Map<Node, tf.Tensor> {
    this.staticCache ??= keepAll(() => this.uploadAll(this.staticBoundary, new Map(), new Map()));
    return this.staticCache;
  }

  /** Dynamic host values are recomputed only when the host inputs change (a constant lr, say). */
  private cachedDynamics(hostValues: ReadonlyMap<Node, TypedArray>): Map<Node, tf.Tensor> {
    const cache = this.dynamicCache;
    if (cache && this.hostInputs.every((n, i) => sameValues(hostValues.get(n)!, cache.inputs[i]!)))
      return cache.values;
    if (cache) tf.dispose([...cache.values.values()]);
    this.dynamicCache = undefined;
    const values = keepAll(() => this.uploadAll(this.dynamicBoundary, hostValues, new Map()));
    this.dynamicCache = { inputs: this.hostInputs.map((n) => hostValues.get(n)!.slice()), values };
    return values;
  }

  /** The dynamic boundary's values, computed as JS numbers (see host-scalar.ts). */
  private dynamicScalars(program: ScalarProgram, hostValues: ReadonlyMap<Node, TypedArray>): TypedArray[] {
    if (!this.staticFeedValues) {
      const data = reference.run(this.staticFeeds);
      this.staticFeedValues = Float64Array.from(data, (d) => d[0]!);
    }
    const v = program.values;
    v.set(this.staticFeedValues);
    for (const op of program.ops) {
      v[op.out] = op.input ? hostValues.get(op.input)![0]! : op.kernel!(v[op.a]!, v[op.b]!, v[op.c]!);
    }
    return this.dynamicBoundary.map((n, i) => toTyped([v[program.boundary[i]!]!], n.dtype));
  }

  /** Host values computed by the reference backend, uploaded with equal scalars shared. */
  private uploadAll(
    nodes: readonly Node[],
    hostValues: ReadonlyMap<Node, TypedArray>,
    scalars: Map<string, tf.Tensor>,
  ): Map<Node, tf.Tensor> {
    const out = new Map<Node, tf.Tensor>();
    if (nodes.length === 0) return out;
    const data =
      nodes === this.dynamicBoundary && this.scalarProgram
        ? this.dynamicScalars(this.scalarProgram, hostValues)
        : reference.run(nodes, hostValues);
    nodes.forEach((n, i) => {
      const v = data[i]!;
      if (n.size !== 1) {
        out.set(n, upload(v, n.shape, n.dtype));
        return;
      }
      const key = `${tfDType(n.dtype)}:${Object.is(v[0], -0) ? '-0' : v[0]}`;
      let t = scalars.get(key);
      if (!t) {
        t = upload(v, [], n.dtype);
        scalars.set(key, t);
      }
      // Kept rank 0 (valid for any shape, see full()): tfjs kernels take a fast path only for
      // true scalars, e.g. wasm's mul by a [1,1] tensor is ~60% slower than by a [] one.
      out.set(n, t);
    });
    return out;
  }
}

function evaluate(step: Step, values: readonly tf.Tensor[], quirks: Quirks): tf.Tensor {
  const ins = step.ins;
  switch (step.mode) {
    case 'empty':
      return tf.zeros(step.shape, tfDType(step.node.dtype));
    case 'expand':
      return values[ins[0]!]!; // stays lazy: tfjs broadcasts on use
    case 'reshape': {
      const x = values[ins[0]!]!;
      if (x.size === 1) return tf.reshape(x, []); // a size-1 value broadcasts to any shape
      return tf.reshape(full(x, step.inNodes[0]!), step.shape);
    }
    case 'kernel': {
      const xs: tf.Tensor[] = new Array(ins.length);
      for (let i = 0; i < ins.length; i++) {
        const v = values[ins[i]!]!;
        xs[i] = step.lazy ? v : full(v, step.inNodes[i]!);
      }
      return step.kernel(step.node, xs, quirks);
    }
  }
}

function keepAll(make: () => Map<Node, tf.Tensor>): Map<Node, tf.Tensor> {
  const kept = new Map<Node, tf.Tensor>();
  tf.tidy(() => {
    for (const [n, t] of make()) kept.set(n, tf.keep(t));
  });
  return kept;
}

function upload(data: TypedArray, shape: readonly number[], dtype: DType): tf.Tensor {
  return tf.tensor(toTfStorage(data, dtype), [...shape], tfDType(dtype));
}

/** The value at the node's exact shape (lazily broadcast values are expanded here). */
export function full(t: tf.Tensor, n: Node): tf.Tensor {
  if (sameDims(t.shape, n.shape)) return t;
  return t.size === n.size ? tf.reshape(t, [...n.shape]) : tf.broadcastTo(t, [...n.shape]);
}

function sameValues(a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function unbound(n: Node): never {
  const name = n.op.kind === 'input' ? n.op.name : `#${n.id}`;
  return fail(`graph input '${name}' was not given a value`, {
    where: 'tfjs backend',
    hint: 'bind every placeholder when running a graph',
  });
}

function checkBound(n: Node, t: tf.Tensor): void {
  const name = n.op.kind === 'input' ? n.op.name : `#${n.id}`;
  if (!sameDims(t.shape, n.shape) || t.dtype !== tfDType(n.dtype)) {
    fail(
      `input '${name}' is a tfjs ${t.dtype}[${t.shape.join(',')}] tensor, the graph needs ${n.dtype}[${n.shape.join(',')}]`,
      {
        where: 'tfjs backend',
        hint: 'bind tensors of exactly the placeholder shape and dtype (float64 binds float32)',
      },
    );
  }
  if (t.isDisposed) fail(`input '${name}' is a disposed tfjs tensor`, { where: 'tfjs backend' });
}
