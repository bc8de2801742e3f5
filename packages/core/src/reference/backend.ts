import type { Backend } from '../backend/backend.ts';
import { allocate, type TypedArray } from '../dtype.ts';
import { fail } from '../errors.ts';
import { type Node, topoSort } from '../ir/node.ts';
import { isElementwise } from '../ir/op.ts';
import { BufferPool } from './buffer-pool.ts';
import { conv2dKernel } from './conv.ts';
import { runFused } from './fusion.ts';
import {
  concatKernel,
  expandKernel,
  type Kernel,
  matmulKernel,
  padKernel,
  reduceKernel,
  sliceKernel,
  transposeKernel,
} from './kernels.ts';
import { Lifetimes } from './lifetimes.ts';

const KERNELS: Partial<Record<Node['op']['kind'], Kernel>> = {
  reduce: reduceKernel,
  transpose: transposeKernel,
  expand: expandKernel,
  slice: sliceKernel,
  pad: padKernel,
  concat: concatKernel,
  matmul: matmulKernel,
  conv2d: conv2dKernel,
};

/** Nodes the fuser may fold into a consumer's loop: flat index i of the output reads index i of each input. */
function fusable(node: Node): boolean {
  return isElementwise(node.op) || node.op.kind === 'reshape';
}

function scalarBroadcast(node: Node): boolean {
  return node.op.kind === 'expand' && node.inputs[0]!.size === 1;
}

/** Idle intermediate buffers a backend keeps for reuse, by default (see BufferPool). */
export const DEFAULT_POOL_BYTES = 64 * 1024 * 1024;

export interface ReferenceBackendOptions {
  /** Most bytes of idle intermediate buffers kept for reuse; 0 turns recycling off. */
  readonly poolBytes?: number;
  /** The pool to recycle through (tests pass one that scribbles over what it hands out). */
  readonly pool?: BufferPool;
}

/**
 * The reference backend: pure TypeScript, float32 and float64, the executable spec of every
 * primitive's semantics (docs/protocol.md). Chains of elementwise primitives run as one fused loop.
 * Intermediate buffers go back to a pool once their last reader has run, and later kernels reuse
 * them; outputs are always fresh buffers that belong to the caller.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly pool: BufferPool;

  constructor(options: ReferenceBackendOptions = {}) {
    this.pool = options.pool ?? new BufferPool(options.poolBytes ?? DEFAULT_POOL_BYTES);
  }

  run(outputs: readonly Node[], bindings?: ReadonlyMap<Node, TypedArray>): TypedArray[] {
    const isLeaf = (n: Node) => n.cached !== undefined || n.op.kind === 'constant' || n.op.kind === 'input';
    const order = topoSort(outputs, isLeaf);
    const users = new Map<Node, Node[]>();
    for (const n of order) {
      if (isLeaf(n)) continue;
      for (const i of n.inputs) {
        const list = users.get(i);
        if (list) list.push(n);
        else users.set(i, [n]);
      }
    }
    const outputSet = new Set(outputs);
    // A fusable node is folded into its single consumer's loop when that consumer is fusable too;
    // otherwise it is materialised (an output, shared, or feeding a non-elementwise kernel).
    const inlined = (n: Node): boolean => {
      if (isLeaf(n) || outputSet.has(n)) return false;
      const u = users.get(n) ?? [];
      if (scalarBroadcast(n)) return u.every(fusable);
      return fusable(n) && u.length === 1 && fusable(u[0]!);
    };
    const executed = order.filter((n) => !isLeaf(n) && !inlined(n));
    const lifetimes = new Lifetimes(executed, inlined);
    const values = new Map<Node, TypedArray>();
    const value = (n: Node): TypedArray =>
      values.get(n) ?? fail(`internal: ${n.op.kind} #${n.id} has no value`);
    // Outputs leave the run, so they are allocated fresh; everything else may come from the pool.
    const buffer = (n: Node): TypedArray =>
      outputSet.has(n) ? allocate(n.dtype, n.size) : lifetimes.own(this.pool.take(n.dtype, n.size));
    for (const node of order) {
      if (isLeaf(node)) values.set(node, leafValue(node, bindings));
    }
    for (const node of executed) {
      let out: TypedArray;
      if (node.op.kind === 'reshape' && values.has(node.inputs[0]!)) {
        out = value(node.inputs[0]!); // reshape of a materialised buffer is a view
      } else if (fusable(node)) {
        out = buffer(node);
        runFused(node, (n) => values.has(n), value, out);
      } else {
        const kernel = KERNELS[node.op.kind] ?? fail(`no reference kernel for ${node.op.kind}`);
        out = buffer(node);
        kernel(node, node.inputs.map(value), out);
      }
      values.set(node, out);
      lifetimes.produced(node, out, outputSet.has(node));
      for (const dead of lifetimes.consumed(node, value)) this.pool.give(dead.dtype, dead.buffer);
    }
    return outputs.map(value);
  }
}

function leafValue(node: Node, bindings: ReadonlyMap<Node, TypedArray> | undefined): TypedArray {
  if (node.cached !== undefined) return node.cached;
  const op = node.op;
  if (op.kind === 'constant') return op.data;
  if (op.kind === 'input') {
    const bound = bindings?.get(node);
    if (!bound)
      fail(`graph input '${op.name}' was not given a value`, {
        where: 'reference backend',
        hint: 'bind every placeholder when running a traced graph',
      });
    if (bound.length !== node.size)
      fail(`input '${op.name}' has ${bound.length} values, shape needs ${node.size}`, {
        where: 'reference backend',
      });
    return bound;
  }
  return fail(`not a leaf: ${op.kind}`);
}
