import type { DType, TypedArray } from '../dtype.ts';
import type { Shape } from '../shape.ts';
import { inferOutput } from './infer.ts';
import type { Op } from './op.ts';

let nextId = 0;

/**
 * One vertex of the IR: a primitive applied to input nodes. Shape and dtype are inferred (and
 * checked) at construction, so every graph that exists is well-typed.
 */
export class Node {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly dtype: DType;
  /**
   * Host value computed by an eager run. Backends treat a node with a cached value as a leaf, so
   * realising a tensor twice, or building on a realised tensor, never recomputes its graph.
   */
  cached: TypedArray | undefined;

  constructor(
    readonly op: Op,
    readonly inputs: readonly Node[],
    shape?: Shape,
    dtype?: DType,
  ) {
    if (shape !== undefined && dtype !== undefined) {
      this.shape = shape;
      this.dtype = dtype;
    } else {
      const out = inferOutput(op, inputs);
      this.shape = out.shape;
      this.dtype = out.dtype;
    }
  }

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/** Nodes reachable from `outputs`, inputs before users (iterative: graphs can be deep). */
export function topoSort(outputs: readonly Node[], stopAt?: (n: Node) => boolean): Node[] {
  const order: Node[] = [];
  const state = new Map<Node, 1 | 2>();
  const stack: [Node, number][] = [];
  for (const root of outputs) {
    if (state.has(root)) continue;
    stack.push([root, 0]);
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      const leaf = stopAt?.(node) ?? false;
      if (!leaf && i < node.inputs.length) {
        top[1] = i + 1;
        const child = node.inputs[i]!;
        if (!state.has(child)) {
          state.set(child, 1);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        state.set(node, 2);
        order.push(node);
      }
    }
  }
  return order;
}
