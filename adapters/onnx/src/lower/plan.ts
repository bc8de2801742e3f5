import type { Node } from '@reptile/core';

/**
 * Which values each node reads, and in what order nodes are emitted.
 *
 * The IR broadcasts explicitly (`expand` before every mixed-shape elementwise op), but ONNX's
 * elementwise ops broadcast by themselves. Materialising `expand` of a scalar over ten million
 * parameters writes and re-reads 40 MB for nothing, so an operand that is an `expand` is read
 * from the expand's source whenever the op's other operands still give the full output shape.
 * An expand no consumer reads any more is not emitted at all.
 */
export interface LoweringPlan {
  /** Nodes to lower, inputs before users (leaves included). */
  readonly order: readonly Node[];
  /** The values each node reads (its inputs, with elided expands replaced by their sources). */
  readonly operands: ReadonlyMap<Node, readonly Node[]>;
}

/** Elementwise primitives whose ONNX lowering broadcasts all operands (multidirectional). */
function broadcasts(n: Node): boolean {
  return n.op.kind === 'binary' || n.op.kind === 'compare' || n.op.kind === 'where';
}

function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1) d = v;
    }
    return d;
  });
}

const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export function planLowering(outputs: readonly Node[], isLeaf: (n: Node) => boolean): LoweringPlan {
  const operands = new Map<Node, readonly Node[]>();
  const reads = (n: Node): readonly Node[] => {
    if (isLeaf(n)) return [];
    let ins = operands.get(n);
    if (ins) return ins;
    ins = n.inputs;
    if (broadcasts(n)) {
      let trial = [...n.inputs];
      n.inputs.forEach((input, i) => {
        if (input.op.kind !== 'expand' || isLeaf(input)) return;
        const candidate = [...trial];
        candidate[i] = input.inputs[0]!;
        if (same(broadcastShape(candidate.map((c) => c.shape)), n.shape)) trial = candidate;
      });
      ins = trial;
    }
    operands.set(n, ins);
    return ins;
  };
  // Iterative DFS over the values actually read, so skipped expands never enter the order.
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = [];
  for (const root of outputs) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push([root, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const ins = reads(top[0]);
      if (top[1] < ins.length) {
        const child = ins[top[1]++]!;
        if (!seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(top[0]);
      }
    }
  }
  return { order, operands };
}
