import { isElementwise, type Node } from '../core.ts';

/**
 * A set of large elementwise nodes (plus flat-index-preserving reshapes) of one size that the
 * emitter runs chunk by chunk: every chunk's intermediates stay in cache, so an optimizer step
 * over 10M parameters reads its inputs once and writes its outputs once instead of making one
 * full pass through memory (and one fresh 40 MB allocation) per primitive. TorchScript has no CPU
 * fuser in stock wheels; this is the fusion we can express in plain TorchScript.
 */
export interface Region {
  readonly id: number;
  /** In topological order. */
  readonly members: readonly Node[];
  readonly size: number;
}

/** An operand that is a size-1 value broadcast by `expand`: a region reads the size-1 source. */
export function scalarSource(operand: Node): Node | undefined {
  return operand.op.kind === 'expand' && operand.inputs[0]!.size === 1 ? operand.inputs[0] : undefined;
}

/**
 * Groups nodes into regions. A region must be convex — no path leaves it and comes back (e.g.
 * LAMB's update needs a norm of values computed in the same elementwise chain) — or it could not
 * run as one loop; merges that would break this start a new region instead. Dependencies are
 * tracked at region granularity, which is conservative: it can only split regions, never create
 * an invalid one. Regions with fewer than two elementwise ops are dropped (nothing to fuse).
 */
export function planRegions(
  order: readonly Node[],
  isLeaf: (n: Node) => boolean,
  minSize: number,
): Map<Node, Region> {
  const parent: number[] = [];
  const members: Node[][] = [];
  /** Region ids (possibly stale, canonicalise with find) a region's external operands depend on. */
  const extUp: Set<number>[] = [];
  const regionOf = new Map<Node, number>();
  /** For non-members: the region ids the node depends on (possibly stale ids). */
  const upRaw = new Map<Node, Set<number>>();

  const find = (r: number): number => {
    while (parent[r] !== r) {
      parent[r] = parent[parent[r]!]!;
      r = parent[r]!;
    }
    return r;
  };
  const depRaw = (n: Node): ReadonlySet<number> => {
    const r = regionOf.get(n);
    return r === undefined ? (upRaw.get(n) ?? EMPTY) : new Set([r]);
  };
  const operandDep = (m: Node): ReadonlySet<number> => depRaw(scalarSource(m) ?? m);
  /** Every region reachable upstream from `start`, canonical ids. */
  const closure = (start: Iterable<number>): Set<number> => {
    const seen = new Set<number>();
    const stack = [...start];
    while (stack.length > 0) {
      const r = find(stack.pop()!);
      if (seen.has(r)) continue;
      seen.add(r);
      stack.push(...extUp[r]!);
    }
    return seen;
  };
  const candidate = (n: Node): boolean =>
    !isLeaf(n) && n.size >= minSize && (isElementwise(n.op) || n.op.kind === 'reshape');

  for (const n of order) {
    if (isLeaf(n)) continue;
    if (!candidate(n)) {
      const up = new Set<number>();
      for (const m of n.inputs) for (const r of depRaw(m)) up.add(r);
      upRaw.set(n, up);
      continue;
    }
    const joined = new Set<number>();
    const externals: Node[] = [];
    for (const m of n.inputs) {
      const r = regionOf.get(m);
      if (r !== undefined && m.size === n.size) joined.add(find(r));
      else externals.push(m);
    }
    const external = new Set<number>();
    for (const e of externals) for (const r of operandDep(e)) external.add(r);
    const upstream = closure([...external, ...[...joined].flatMap((r) => [...extUp[r]!])]);
    const ok = [...joined].every((r) => !upstream.has(r));
    let target: number;
    if (ok && joined.size > 0) {
      const [first, ...rest] = [...joined];
      target = first!;
      for (const r of rest) {
        parent[r] = target;
        members[target]!.push(...members[r]!);
        for (const x of extUp[r]!) extUp[target]!.add(x);
      }
      for (const x of external) extUp[target]!.add(x);
    } else {
      target = parent.length;
      parent.push(target);
      members.push([]);
      // operands in other regions become external inputs of this one
      const up = new Set<number>(external);
      if (!ok) for (const r of joined) up.add(r);
      extUp.push(up);
    }
    members[target]!.push(n);
    regionOf.set(n, target);
  }

  const position = new Map(order.map((n, i) => [n, i]));
  const result = new Map<Node, Region>();
  let nextId = 0;
  for (let r = 0; r < parent.length; r++) {
    if (find(r) !== r) continue;
    const list = members[r]!;
    if (list.filter((n) => isElementwise(n.op)).length < 2) continue;
    list.sort((a, b) => position.get(a)! - position.get(b)!);
    const region: Region = { id: nextId++, members: list, size: list[0]!.size };
    for (const n of list) result.set(n, region);
  }
  return result;
}

const EMPTY: ReadonlySet<number> = new Set();
