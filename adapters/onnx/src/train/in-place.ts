import type { TypedArray } from '@reptile/core';

/** The part of an ONNX graph the analysis reads: nodes in topological order, value names. */
export interface GraphShape {
  readonly node: readonly {
    readonly op_type: string;
    readonly input: readonly string[];
    readonly output: readonly string[];
  }[];
}

/**
 * ONNX ops whose output element i reads only element i of each same-shaped operand (scalar operands
 * broadcast): writing the output over such an operand reads each element before overwriting it.
 */
const ELEMENTWISE = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Max',
  'Min',
  'And',
  'Or',
  'Where',
  'Neg',
  'Sqrt',
  'Abs',
  'Sign',
  'Exp',
  'Log',
  'Sin',
  'Cos',
  'Floor',
  'Ceil',
  'Not',
  'Cast',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
]);

/** Ops whose output may share its input's memory in onnxruntime: reading them reads the input. */
const VIEWS = new Set(['Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten']);

/**
 * Which graph outputs onnxruntime may write straight over which graph inputs (a preallocated
 * output sharing the input's memory, as an in-place optimizer step wants): `safe[i][o]` is true
 * when every node reading input i (directly or through a view) runs before output o's producer —
 * it is one of that producer's ancestors, which any topological execution order runs first — or is
 * the producer itself, reading element k right before writing element k. onnxruntime never
 * allocates its own values in a caller's output buffer, so nothing else writes there.
 */
export function inPlaceSafety(
  graph: GraphShape,
  inputs: readonly string[],
  outputs: readonly string[],
): boolean[][] {
  const producer = new Map<string, number>();
  graph.node.forEach((n, k) => {
    for (const o of n.output) producer.set(o, k);
  });
  const ancestors = (k: number): Set<number> => {
    const seen = new Set<number>();
    const stack = [...graph.node[k]!.input];
    while (stack.length > 0) {
      const p = producer.get(stack.pop()!);
      if (p === undefined || seen.has(p)) continue;
      seen.add(p);
      stack.push(...graph.node[p]!.input);
    }
    return seen;
  };
  /** Nodes reading `name`'s memory, and whether each reads it directly (not through a view). */
  const readers = (name: string): Map<number, boolean> => {
    const found = new Map<number, boolean>();
    const stack: [string, boolean][] = [[name, true]];
    while (stack.length > 0) {
      const [value, direct] = stack.pop()!;
      graph.node.forEach((n, k) => {
        if (!n.input.includes(value)) return;
        found.set(k, (found.get(k) ?? true) && direct);
        if (VIEWS.has(n.op_type)) for (const o of n.output) stack.push([o, false]);
      });
    }
    return found;
  };
  return inputs.map((input) => {
    const read = readers(input);
    return outputs.map((output) => {
      const p = producer.get(output);
      if (p === undefined || VIEWS.has(graph.node[p]!.op_type)) return false;
      const before = ancestors(p);
      for (const [k, direct] of read) {
        if (before.has(k)) continue;
        if (k !== p || !direct || !ELEMENTWISE.has(graph.node[p]!.op_type)) return false;
      }
      return true;
    });
  });
}

const span = (a: TypedArray) => [a.byteOffset, a.byteOffset + a.byteLength] as const;

/** Whether two arrays share any byte. */
export function overlaps(a: TypedArray, b: TypedArray): boolean {
  if (a.buffer !== b.buffer) return false;
  const [a0, a1] = span(a);
  const [b0, b1] = span(b);
  return a0 < b1 && b0 < a1;
}

/** Whether two arrays are the very same memory (same buffer, offset and length). */
export function sameMemory(a: TypedArray, b: TypedArray): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength;
}
