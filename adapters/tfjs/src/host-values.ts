import { type Node, primName, type TypedArray, topoSort } from '@reptile/core';
import { type ScalarKernel, scalarKernel } from './host-scalar.ts';

/** Where a node is evaluated: from constants on the host, from host inputs on the host, or on the device. */
export type Place = 'static' | 'dynamic' | 'device';

/**
 * Common-subexpression elimination over host nodes: a node's key is its op, attributes, dtype,
 * shape and its inputs' representatives (constants: their data), so equal computations share one.
 */
export function hostRepresentatives(
  roots: readonly Node[],
  place: ReadonlyMap<Node, Place>,
): Map<Node, Node> {
  const rep = new Map<Node, Node>();
  const byKey = new Map<string, Node>();
  const isHostLeaf = (n: Node) => n.cached !== undefined || n.op.kind === 'constant' || n.op.kind === 'input';
  for (const n of topoSort(roots, isHostLeaf)) {
    if (place.get(n) === 'device') continue;
    let key: string;
    if (n.cached !== undefined || n.op.kind === 'constant') {
      const data = n.cached ?? (n.op as { data: TypedArray }).data;
      key =
        n.size <= 16
          ? `c:${n.dtype}:${n.shape}:${Array.from(data, (v) => (Object.is(v, -0) ? '-0' : v))}`
          : `n:${n.id}`;
    } else if (n.op.kind === 'input') key = `n:${n.id}`;
    else {
      const { kind: _kind, ...attrs } = n.op as { kind: string };
      key = `${primName(n.op)}:${JSON.stringify(attrs)}:${n.dtype}:${n.shape}:${n.inputs.map((i) => rep.get(i)!.id)}`;
    }
    const found = byKey.get(key);
    if (found) rep.set(n, found);
    else {
      byKey.set(key, n);
      rep.set(n, n);
    }
  }
  return rep;
}

/** Dynamic host nodes as closures over one Float64Array of values: static feeds first. */
export interface ScalarProgram {
  readonly values: Float64Array;
  readonly ops: readonly {
    out: number;
    input?: Node;
    kernel?: ScalarKernel;
    a: number;
    b: number;
    c: number;
  }[];
  /** Index in `values` of each dynamic boundary node. */
  readonly boundary: readonly number[];
}

export function compileScalars(
  nodes: readonly Node[],
  feeds: readonly Node[],
  boundary: readonly Node[],
): ScalarProgram | undefined {
  const index = new Map<Node, number>(feeds.map((n, i) => [n, i]));
  if (feeds.some((n) => n.size !== 1)) return undefined;
  const ops: ScalarProgram['ops'][number][] = [];
  for (const n of nodes) {
    const out = index.size;
    if (n.op.kind === 'input') ops.push({ out, input: n, a: 0, b: 0, c: 0 });
    else {
      const kernel = scalarKernel(n);
      if (!kernel) return undefined;
      const [a = 0, b = 0, c = 0] = n.inputs.map((i) => index.get(i)!);
      ops.push({ out, kernel, a, b, c });
    }
    index.set(n, out);
  }
  return { values: new Float64Array(index.size), ops, boundary: boundary.map((n) => index.get(n)!) };
}
