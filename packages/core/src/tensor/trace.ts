import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/backend.ts';
import type { DType, TypedArray } from '../dtype.ts';
import { fail } from '../errors.ts';
import { type Node, topoSort } from '../ir/node.ts';
import { primName } from '../ir/op.ts';
import { formatShape, type Shape } from '../shape.ts';
import { Tensor } from './tensor.ts';

export interface TensorSpec {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** A traced program: named placeholder inputs and the output nodes computed from them. */
export interface Graph {
  readonly inputs: readonly Node[];
  readonly outputs: readonly Node[];
  readonly outputNames: readonly string[];
}

/**
 * Runs `fn` on placeholders and records the graph it builds. Any protocol program can be traced:
 * optimizer updates, losses with their gradients, whole training steps.
 */
export function trace(
  specs: readonly TensorSpec[],
  fn: (...inputs: Tensor[]) => readonly Tensor[] | Record<string, Tensor>,
): Graph {
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) fail(`duplicate input name '${s.name}'`, { where: 'trace' });
    names.add(s.name);
  }
  const inputs = specs.map((s) => Tensor.placeholder(s.name, s.shape, s.dtype));
  const result = fn(...inputs);
  const entries = Array.isArray(result)
    ? (result as readonly Tensor[]).map((t, i) => [`output_${i}`, t] as const)
    : Object.entries(result as Record<string, Tensor>);
  return {
    inputs: inputs.map((t) => t.node),
    outputs: entries.map(([, t]) => t.node),
    outputNames: entries.map(([n]) => n),
  };
}

/** Runs a traced graph with host values for its inputs, checking them against the graph's signature. */
export function runGraph(
  graph: Graph,
  values: readonly TypedArray[],
  backend: Backend = getBackend(),
): TypedArray[] {
  if (values.length !== graph.inputs.length) {
    fail(`graph takes ${graph.inputs.length} inputs, got ${values.length}`, { where: 'runGraph' });
  }
  const bindings = new Map<Node, TypedArray>();
  graph.inputs.forEach((node, i) => {
    const v = values[i]!;
    const name = node.op.kind === 'input' ? node.op.name : `#${i}`;
    if (v.length !== node.size) {
      fail(
        `input '${name}' has ${v.length} values but its shape ${formatShape(node.shape)} needs ${node.size}`,
        {
          where: 'runGraph',
        },
      );
    }
    bindings.set(node, v);
  });
  return backend.run(graph.outputs, bindings);
}

/**
 * A structural key of a graph: equal keys mean the same computation on the same input
 * signature, so compiled artifacts (ONNX sessions, TorchScript modules) can be cached by it.
 * Constant data is part of the key.
 */
export function graphSignature(graph: Graph): string {
  const order = topoSort(graph.outputs);
  const ids = new Map<Node, number>();
  const parts: string[] = [];
  for (const n of order) {
    ids.set(n, ids.size);
    const { kind, ...attrs } = n.op as { kind: string; data?: ArrayLike<number> };
    const attrText = kind === 'constant' ? Array.from(attrs.data ?? []).join(',') : JSON.stringify(attrs);
    parts.push(
      `${primName(n.op)}(${n.inputs.map((i) => ids.get(i)).join(',')})${attrText}:${n.dtype}${formatShape(n.shape)}`,
    );
  }
  parts.push(`out:${graph.outputs.map((o) => ids.get(o)).join(',')}`);
  return parts.join(';');
}
