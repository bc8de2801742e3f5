import { type Node, topoSort } from '@reptile/core';
import type { Program } from '../program.ts';

/**
 * Whether an optimizer-step program may run in chunks, and how its inputs and outputs group by
 * parameter.
 *
 * Chunking is exact only when every output element i of a parameter depends on element i of that
 * parameter's inputs (and on scalars such as `step` and `lr`) through the same computation for
 * every parameter. So each parameter's subgraph is reduced to a signature — its ops, dtypes,
 * constants and wiring with shapes left out — and chunking is allowed only when all parameters
 * share the signature of the chunk program (one parameter of the chunk's shape). Reductions,
 * matmuls, movement ops other than scalar broadcasts, non-uniform constants, or a per-parameter
 * scalar state (LAMB's trust ratio, clipping by norm, rank-dependent rules) make it refuse.
 */

/** One parameter's slots: indices into the program's inputs and outputs, in program order. */
export interface ParamSlots {
  readonly param: number;
  readonly grad: number;
  readonly state: readonly number[];
  /** `new_params.<name>` first, then this parameter's `new_state.*`. */
  readonly outputs: readonly number[];
}

export interface ChunkPlan {
  readonly slots: readonly ParamSlots[];
  /** Indices of the shared scalar inputs (`step`, `lr`). */
  readonly scalars: readonly number[];
}

const PER_PARAM = /^(params|grads|state)\./;

const perParamInput = (n: Node): string | undefined =>
  n.op.kind === 'input' && PER_PARAM.test(n.op.name) ? n.op.name : undefined;

/** Groups the program's slots by parameter; undefined if some slot is shared or orphaned. */
export function groupSlots(program: Program): ChunkPlan | undefined {
  const inputIndex = new Map(program.inputs.map((input, i) => [input.name, i]));
  const params = program.inputs.filter((i) => i.name.startsWith('params.'));
  const owner = new Map<number, number>(); // input index → parameter number
  const outputsOf: number[][] = params.map(() => []);
  for (const [o, output] of program.outputs.entries()) {
    const reached = topoSort([output.node])
      .map(perParamInput)
      .filter((n): n is string => n !== undefined);
    const mine = params.flatMap((p, k) =>
      reached.includes(p.name) || reached.includes(`grads.${p.name.slice(7)}`) ? [k] : [],
    );
    if (mine.length !== 1) return undefined;
    const k = mine[0]!;
    outputsOf[k]!.push(o);
    for (const name of reached) {
      const i = inputIndex.get(name)!;
      if ((owner.get(i) ?? k) !== k) return undefined;
      owner.set(i, k);
    }
  }
  const slots: ParamSlots[] = [];
  for (const [k, p] of params.entries()) {
    const grad = inputIndex.get(`grads.${p.name.slice(7)}`);
    if (grad === undefined || outputsOf[k]!.length === 0) return undefined;
    const state = [...owner].filter(([i, o]) => o === k && program.inputs[i]!.name.startsWith('state.'));
    slots.push({
      param: inputIndex.get(p.name)!,
      grad,
      state: state.map(([i]) => i).sort((a, b) => a - b),
      outputs: outputsOf[k]!,
    });
  }
  const used = new Set(slots.flatMap((s) => [s.param, s.grad, ...s.state]));
  const scalars: number[] = [];
  for (const [i, input] of program.inputs.entries()) {
    if (used.has(i)) continue;
    if (PER_PARAM.test(input.name) || input.node.size !== 1) return undefined; // e.g. unused state
    scalars.push(i);
  }
  return { slots, scalars };
}

function uniformConstant(data: ArrayLike<number>): number | undefined {
  const first = data[0];
  for (let i = 1; i < data.length; i++) if (!Object.is(data[i], first)) return undefined;
  return first;
}

/**
 * The signature of one parameter's outputs (undefined if not elementwise): one line per node in
 * topological order naming the op, dtype, whether it varies per element, and its operands.
 */
export function paramSignature(program: Program, slots: ParamSlots): string | undefined {
  const role = new Map<string, string>([
    [program.inputs[slots.param]!.name, 'param'],
    [program.inputs[slots.grad]!.name, 'grad'],
    ...slots.state.map((i, k): [string, string] => [program.inputs[i]!.name, `state${k}`]),
  ]);
  const outputs = slots.outputs.map((o) => program.outputs[o]!.node);
  const size = program.inputs[slots.param]!.node.size;
  const order = topoSort(outputs);
  // reshapes and scalar broadcasts are aliases of their input: shapes are what the chunk changes
  const index = new Map<Node, number>();
  const varying = new Set<Node>();
  const lines: string[] = [];
  for (const n of order) {
    const vary =
      n.inputs.some((i) => varying.has(i)) || (perParamInput(n) !== undefined && role.has(perParamInput(n)!));
    if (vary) {
      varying.add(n);
      if (n.size !== size) return undefined;
    }
    let what: string;
    const op = n.op;
    switch (op.kind) {
      case 'input':
        if (perParamInput(n) !== undefined && !role.has(op.name)) return undefined; // another parameter's
        what = role.get(op.name) ?? `scalar:${op.name}`;
        if (!role.has(op.name) && n.size !== 1) return undefined;
        break;
      case 'constant': {
        const value = uniformConstant(op.data as ArrayLike<number>);
        if (value === undefined) return undefined;
        what = `const:${Object.is(value, -0) ? '-0' : String(value)}`;
        break;
      }
      case 'unary':
      case 'binary':
      case 'compare':
        what = `${op.kind}:${op.fn}`;
        break;
      case 'where':
        what = 'where';
        break;
      case 'cast':
        what = `cast:${op.to}`;
        break;
      case 'reshape':
      case 'expand':
        // flat order is unchanged by a same-size reshape; a broadcast is only safe from a scalar
        if (n.inputs[0]!.size !== 1 && n.inputs[0]!.size !== n.size) return undefined;
        index.set(n, index.get(n.inputs[0]!)!);
        continue;
      default:
        return undefined;
    }
    if (!vary && n.size !== 1 && n.size !== size) return undefined;
    index.set(n, lines.length);
    lines.push(
      `${what} ${n.dtype} ${vary ? 'vary' : 'uniform'} (${n.inputs.map((i) => index.get(i)).join(',')})`,
    );
  }
  return `${outputs.map((o) => index.get(o)).join(',')}\n${lines.join('\n')}`;
}

/**
 * The chunk plan of `program` if every parameter computes exactly what `chunk` (the same
 * optimizer traced for one parameter) computes, elementwise; undefined otherwise.
 */
export function chunkPlan(program: Program, chunk: Program): ChunkPlan | undefined {
  const plan = groupSlots(program);
  const chunkSlots = groupSlots(chunk);
  if (!plan || !chunkSlots || chunkSlots.slots.length !== 1) return undefined;
  const want = paramSignature(chunk, chunkSlots.slots[0]!);
  if (want === undefined) return undefined;
  const names = (p: Program, idx: readonly number[]) => idx.map((i) => p.inputs[i]!.name).join(',');
  if (names(program, plan.scalars) !== names(chunk, chunkSlots.scalars)) return undefined;
  for (const slots of plan.slots) {
    if (paramSignature(program, slots) !== want) return undefined;
  }
  return plan;
}
