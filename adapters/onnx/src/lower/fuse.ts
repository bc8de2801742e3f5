import type { Node } from '@reptile/core';
import type { LoweringPlan } from './plan.ts';

/**
 * Chunked fusion of large elementwise regions.
 *
 * onnxruntime's CPU provider runs every elementwise node as its own pass over memory, so an Adam
 * step over ten million parameters makes ~15 full passes. A region of same-shape elementwise
 * nodes is instead placed in the body of one ONNX `Scan` that walks the flattened tensors in
 * chunks of a few tens of thousands of elements: intermediates stay in cache and main memory is
 * read and written about once. Scalars the region reads are captured from the outer graph.
 *
 * A region must not feed itself through an outside node (e.g. LAMB's norms, which reduce an
 * elementwise result and scale another): nodes are staged so that every outside path leads to a
 * later region.
 */
export interface FuseOptions {
  /** Elementwise nodes with fewer elements are not fused. Default 131072 (docs/onnx.md). */
  readonly minSize?: number;
  /** Target chunk length; the actual chunk divides the element count. Default 32768. */
  readonly chunk?: number;
}

export interface Region {
  readonly shape: readonly number[];
  readonly chunk: number;
  /** Region nodes, inputs before users. */
  readonly nodes: readonly Node[];
  /** Outside values of the region's shape, read chunk by chunk (Scan inputs). */
  readonly big: readonly Node[];
  /** Outside one-element values, captured as scalars. */
  readonly small: readonly Node[];
  /** Region nodes read outside the region (Scan outputs). */
  readonly outputs: readonly Node[];
  /** The outputs some node outside the region reads (the rest are only graph outputs). */
  readonly readByNodes: ReadonlySet<Node>;
}

/** What the emitter walks: single nodes, or whole regions lowered as one Scan. */
export type Unit =
  | { readonly kind: 'node'; readonly node: Node }
  | { readonly kind: 'region'; readonly region: Region };

const ELEMENTWISE = new Set(['unary', 'binary', 'compare', 'where', 'cast']);
const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** A divisor of n near `target` (within [target/4, 4·target]), or undefined. */
export function chunkFor(n: number, target: number): number | undefined {
  for (let d = target; d >= Math.max(1, Math.floor(target / 4)); d--) if (n % d === 0) return d;
  for (let d = target + 1; d <= target * 4 && d <= n; d++) if (n % d === 0) return d;
  return undefined;
}

export function fusionUnits(
  plan: LoweringPlan,
  outputs: readonly Node[],
  isLeaf: (n: Node) => boolean,
  options: FuseOptions,
): Unit[] {
  const minSize = options.minSize ?? 131072;
  const target = options.chunk ?? 32768;
  const candidate = (n: Node): boolean => {
    if (isLeaf(n) || !ELEMENTWISE.has(n.op.kind) || n.size < minSize) return false;
    if (chunkFor(n.size, target) === undefined) return false;
    return plan.operands.get(n)!.every((o) => o.size === 1 || same(o.shape, n.shape));
  };
  // Stage: a candidate joins the region of its same-shape candidate operands, but must come
  // after any region an outside operand depends on.
  const stage = new Map<Node, number>(); // candidates: their stage
  const after = new Map<Node, number>(); // others: the latest stage they depend on (-1: none)
  const isCand = new Map<Node, boolean>();
  for (const n of plan.order) {
    const c = candidate(n);
    isCand.set(n, c);
    let s = c ? 0 : -1;
    for (const o of isLeaf(n) ? [] : plan.operands.get(n)!) {
      if (isCand.get(o)) s = Math.max(s, c && same(o.shape, n.shape) ? stage.get(o)! : stage.get(o)! + 1);
      else s = Math.max(s, c ? after.get(o)! + 1 : after.get(o)!);
    }
    if (c) stage.set(n, s);
    else after.set(n, s);
  }
  const regionOf = new Map<Node, string>();
  const members = new Map<string, Node[]>();
  for (const n of plan.order) {
    if (!isCand.get(n)) continue;
    const key = `${n.shape.join(',')}@${stage.get(n)}`;
    regionOf.set(n, key);
    const list = members.get(key);
    if (list) list.push(n);
    else members.set(key, [n]);
  }
  const users = new Map<Node, Node[]>();
  for (const n of plan.order) {
    for (const o of isLeaf(n) ? [] : plan.operands.get(n)!) {
      const list = users.get(o);
      if (list) list.push(n);
      else users.set(o, [n]);
    }
  }
  const outputSet = new Set(outputs);
  const regions = new Map<string, Region>();
  for (const [key, nodes] of members) {
    const inside = new Set(nodes);
    const big = new Set<Node>();
    const small = new Set<Node>();
    for (const n of nodes) {
      for (const o of plan.operands.get(n)!) {
        if (inside.has(o)) continue;
        if (same(o.shape, n.shape)) big.add(o);
        else small.add(o);
      }
    }
    // A lone node gains nothing from a Scan; a region with no chunked input has nothing to walk.
    if (big.size === 0 || nodes.length < 2) {
      for (const n of nodes) regionOf.delete(n);
      continue;
    }
    const readByNodes = new Set(nodes.filter((n) => (users.get(n) ?? []).some((u) => !inside.has(u))));
    const outs = nodes.filter((n) => outputSet.has(n) || readByNodes.has(n));
    const shape = nodes[0]!.shape;
    regions.set(key, {
      shape,
      chunk: chunkFor(nodes[0]!.size, target)!,
      nodes,
      big: [...big],
      small: [...small],
      outputs: outs,
      readByNodes,
    });
  }
  // Emission order over units: an iterative DFS where a region depends on its outside inputs.
  const unitOf = (n: Node): Unit => {
    const key = regionOf.get(n);
    return key !== undefined ? { kind: 'region', region: regions.get(key)! } : { kind: 'node', node: n };
  };
  const keyOf = (u: Unit): unknown => (u.kind === 'node' ? u.node : u.region);
  const depsOf = (u: Unit): Node[] =>
    u.kind === 'region'
      ? [...u.region.big, ...u.region.small]
      : isLeaf(u.node)
        ? []
        : [...plan.operands.get(u.node)!];
  const order: Unit[] = [];
  const seen = new Set<unknown>();
  const stack: [Unit, Node[], number][] = [];
  for (const root of outputs) {
    const ru = unitOf(root);
    if (seen.has(keyOf(ru))) continue;
    seen.add(keyOf(ru));
    stack.push([ru, depsOf(ru), 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top[2] < top[1].length) {
        const child = unitOf(top[1][top[2]++]!);
        if (!seen.has(keyOf(child))) {
          seen.add(keyOf(child));
          stack.push([child, depsOf(child), 0]);
        }
      } else {
        stack.pop();
        order.push(top[0]);
      }
    }
  }
  return order;
}
