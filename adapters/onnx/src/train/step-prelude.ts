import { Node, topoSort } from '@reptile/core';
import type { Program } from '../program.ts';

/**
 * Splits a chunk program into a scalar prelude, run once per optimizer step, and an elementwise
 * body, run once per chunk.
 *
 * An optimizer's per-step scalars (Adam's bias corrections 1 − β^t in float64, −lr cast to the
 * parameter dtype) depend only on the `step` and `lr` inputs, yet a chunk graph recomputes them
 * in every chunk: ~30 of Adam's ~45 nodes. The prelude computes every scalar that depends on a
 * scalar input and is consumed by per-element work, once; the body takes those values as inputs
 * (`prelude.<k>`) in their place. The same onnxruntime kernels compute the same values, so the
 * results are bit for bit those of the unsplit chunk graph (chunked-step.test.ts checks it).
 * Scalars computed from constants alone stay in the body, where onnxruntime folds them, and so do
 * plain reshapes of a scalar input.
 */
export interface StepPrelude {
  /** Inputs: the chunk program's scalar inputs it reads; outputs `prelude.<k>`. */
  readonly prelude: Program;
  /** The chunk program with each prelude value as an input of the same name. */
  readonly body: Program;
}

const PER_PARAM = /^(params|grads|state)\./;
const isInput = (n: Node): n is Node & { op: { kind: 'input'; name: string } } => n.op.kind === 'input';

/** The split of `chunk`, or undefined when no step-dependent scalar reaches per-element work. */
export function splitPrelude(chunk: Program): StepPrelude | undefined {
  const roots = chunk.outputs.map((o) => o.node);
  const order = topoSort(roots);
  // stepOnly: depends on some scalar input and on no per-parameter input
  const stepOnly = new Set<Node>();
  const perElement = new Set<Node>();
  for (const n of order) {
    if (isInput(n)) {
      (PER_PARAM.test(n.op.name) ? perElement : stepOnly).add(n);
      continue;
    }
    if (n.inputs.some((i) => perElement.has(i))) perElement.add(n);
    else if (n.inputs.some((i) => stepOnly.has(i))) stepOnly.add(n);
  }
  // computed: step-only with arithmetic on the way (a reshape of `lr` is not worth a prelude)
  const computed = new Set<Node>();
  for (const n of order) {
    if (!stepOnly.has(n) || isInput(n)) continue;
    const view = n.op.kind === 'reshape' || n.op.kind === 'expand';
    if (!view || n.inputs.some((i) => computed.has(i))) computed.add(n);
  }
  // cut at computed scalars read by anything else (per-element work, a broadcast, an output)
  const isCut = (n: Node) => computed.has(n) && n.size === 1;
  const cuts = new Set<Node>();
  for (const n of order) {
    if (stepOnly.has(n) && n.size === 1) continue;
    for (const i of n.inputs) if (isCut(i)) cuts.add(i);
  }
  for (const r of roots) if (isCut(r)) cuts.add(r);
  if (cuts.size === 0) return undefined;

  const cutList = order.filter((n) => cuts.has(n));
  const replaced = new Map<Node, Node>(
    cutList.map((n, k) => [n, new Node({ kind: 'input', name: `prelude.${k}` }, [], n.shape, n.dtype)]),
  );
  const rebuilt = (n: Node): Node => replaced.get(n) ?? n;
  for (const n of order) {
    if (replaced.has(n)) continue;
    const inputs = n.inputs.map(rebuilt);
    if (inputs.some((x, i) => x !== n.inputs[i])) replaced.set(n, new Node(n.op, inputs, n.shape, n.dtype));
  }
  const bodyOutputs = chunk.outputs.map((o) => ({ name: o.name, node: rebuilt(o.node) }));
  const bodyReads = new Set(topoSort(bodyOutputs.map((o) => o.node)));
  const preludeReads = new Set(topoSort(cutList));
  const bodyInputs = [
    ...chunk.inputs.filter((i) => bodyReads.has(i.node)),
    ...cutList.map((n, k) => ({ name: `prelude.${k}`, node: replaced.get(n)! })),
  ];
  return {
    prelude: {
      name: `${chunk.name}.prelude`,
      inputs: chunk.inputs.filter((i) => preludeReads.has(i.node)),
      outputs: cutList.map((node, k) => ({ name: `prelude.${k}`, node })),
    },
    body: { name: chunk.name, inputs: bodyInputs, outputs: bodyOutputs },
  };
}
