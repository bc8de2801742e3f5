import { fail, formatShape, type Graph, type Node, primName, sameShape, topoSort } from '../core.ts';
import { SCALAR_TYPE, stringLiteral } from './dtypes.ts';
import { emitRegion, type RegionPlan } from './emit-region.ts';
import { Block, Emitter } from './emitter.ts';
import type { ConstTensor, InputSignature, ModuleSignature, OutputSignature } from './module.ts';
import { argumentNames } from './names.ts';
import { type Accumulate, type Float32Math, PRIM_LOWERINGS, render } from './prims.ts';
import { planRegions, type Region, scalarSource } from './regions.ts';

export interface MethodOptions {
  /** Default 'float64': float32 `sum`/`matmul` accumulate in double, as the protocol specifies. */
  readonly accumulate?: Accumulate;
  /** Default 'exact': float32 sqrt/exp/log/sin/cos/pow rounded once from float64 (see prims.ts). */
  readonly float32Math?: Float32Math;
  /**
   * In-place updates as [outputName, inputName] pairs: the output is written into the input
   * tensor and returned as it, so a step over held params allocates nothing. Shapes and dtypes
   * must match; donated inputs must be contiguous (checked when called).
   */
  readonly donate?: readonly (readonly [string, string])[];
  /** Elements per chunk of an elementwise region; default 32768 (torch's intra-op grain). */
  readonly chunkElements?: number;
  /** Elementwise chains smaller than this run unchunked; default 4 chunks of float32. */
  readonly minChunkedSize?: number;
}

/** Where a method finds the module's constants: `CONSTANTS.cN` or `self.kN`. */
export interface ConstantNames {
  nameOf(node: Node): string;
}

/** torch runs an elementwise op of at most this many elements on one thread (at::internal::GRAIN_SIZE). */
const CHUNK = 32768;
const VIEW_OPS = new Set(['reshape', 'transpose', 'expand', 'slice']);

/** Leaves of a method's graph: its arguments plus constants and cached values. */
export function methodLeaves(graph: Graph): {
  isLeaf: (n: Node) => boolean;
  order: Node[];
  constants: Node[];
} {
  const args = new Set(graph.inputs);
  if (args.size !== graph.inputs.length)
    fail('a node is listed twice in graph.inputs', { where: 'lowerGraph' });
  const isLeaf = (n: Node) =>
    args.has(n) || n.op.kind === 'constant' || n.op.kind === 'input' || n.cached !== undefined;
  const order = topoSort(graph.outputs, isLeaf);
  const constants: Node[] = [];
  for (const n of order) {
    if (!isLeaf(n) || args.has(n)) continue;
    if (n.op.kind === 'input' && n.cached === undefined) {
      fail(`placeholder '${n.op.name}' is used by the graph but is not one of its inputs`, {
        where: 'lowerGraph',
        hint: 'pass every placeholder the outputs depend on in graph.inputs',
      });
    }
    constants.push(n);
  }
  return { isLeaf, order, constants };
}

export function constantValue(n: Node): ConstTensor {
  const data = n.cached ?? (n.op.kind === 'constant' ? n.op.data : undefined);
  if (!data) throw new Error(`internal: node #${n.id} has no host value`);
  return { dtype: n.dtype, shape: n.shape, data };
}

/**
 * Lowers one traced graph to a method `def <name>(self, <inputs>) -> Tuple[...]`. Every node
 * lowers through the one table in prims.ts; large elementwise chains run chunked (regions.ts).
 * The method first checks every argument's dtype and shape, so a wrong call fails before
 * anything is computed or written.
 */
export function lowerMethod(
  name: string,
  graph: Graph,
  pool: ConstantNames,
  options: MethodOptions,
): { lines: string[]; signature: ModuleSignature } {
  const inputNames = graph.inputs.map((n, i) => (n.op.kind === 'input' ? n.op.name : `arg${i}`));
  const args = argumentNames(inputNames);
  const argOf = new Map(graph.inputs.map((n, i) => [n, args[i]!]));
  const { isLeaf, order } = methodLeaves(graph);
  const users = new Map<Node, Node[]>();
  for (const n of order) {
    if (isLeaf(n)) continue;
    for (const i of n.inputs) {
      const list = users.get(i);
      if (list) list.push(n);
      else users.set(i, [n]);
    }
  }
  const outputCount = new Map<Node, number>();
  for (const o of graph.outputs) outputCount.set(o, (outputCount.get(o) ?? 0) + 1);

  const donations = resolveDonations(graph, options.donate ?? []);
  const chunk = options.chunkElements ?? CHUNK;
  const regionOf = planRegions(order, isLeaf, options.minChunkedSize ?? 4 * chunk);

  const isOutput = (n: Node) => outputCount.has(n);
  const regionOutputs = (r: Region) =>
    r.members.filter((m) => isOutput(m) || (users.get(m) ?? []).some((x) => regionOf.get(x) !== r));

  // An output is updated inside its region's loop when every reader of the donated input is in
  // that region (so each chunk is read before it is overwritten) and no region output is a view
  // of the input; otherwise it is copied into the input after everything else has run.
  const inPlace = new Map<Node, Node>();
  for (const [k, input] of donations) {
    const out = graph.outputs[k]!;
    const region = regionOf.get(out);
    if (!region || outputCount.get(out) !== 1 || outputCount.has(input)) continue;
    const readers = users.get(input) ?? [];
    if (!readers.every((u) => regionOf.get(u) === region)) continue;
    if (regionOutputs(region).some((o) => aliasesExternal(o, input, region, regionOf))) continue;
    inPlace.set(out, input);
  }

  const em = new Emitter(
    options.accumulate ?? 'float64',
    options.float32Math ?? 'exact',
    (n) => argOf.get(n) ?? pool.nameOf(n),
  );
  const body = new Block('    ');
  emitChecks(graph, args, new Set(inPlace.values()), body);

  // schedule: regions run as units, so order units (not nodes) topologically
  const unitOf = (n: Node): Node | Region | undefined => (isLeaf(n) ? undefined : (regionOf.get(n) ?? n));
  const deps = (u: Node | Region): (Node | Region)[] => {
    if (!('members' in u)) return u.inputs.map(unitOf).filter((x) => x !== undefined);
    return u.members.flatMap((m) =>
      m.inputs
        .filter((o) => regionOf.get(o) !== u)
        .map((o) => unitOf(scalarSource(o) ?? o))
        .filter((x) => x !== undefined),
    );
  };
  const done = new Set<Node | Region>();
  const visit = (root: Node | Region) => {
    const stack: [Node | Region, number][] = [[root, 0]];
    const entered = new Set<Node | Region>([root]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const ds = deps(top[0]);
      if (top[1] < ds.length) {
        const d = ds[top[1]++]!;
        if (!done.has(d) && !entered.has(d)) {
          entered.add(d);
          stack.push([d, 0]);
        }
        continue;
      }
      stack.pop();
      if (!done.has(top[0])) {
        done.add(top[0]);
        emitUnit(top[0]);
      }
    }
  };
  const mayAlias = new Map<Node, boolean>();
  const computed = new Map<string, string>();
  const helpers: string[] = [];
  const emitUnit = (u: Node | Region) => {
    if ('members' in u) {
      const outs = regionOutputs(u);
      const plan: RegionPlan = { region: u, method: `_${name}_region${u.id}`, chunk, outputs: outs, inPlace };
      helpers.push(...emitRegion(plan, em, body));
      for (const o of outs) mayAlias.set(o, inPlace.has(o));
      return;
    }
    const lines = body.lines.length;
    const expr = render(
      PRIM_LOWERINGS[primName(u.op)](
        u,
        u.inputs.map((i) => em.varOf(i)),
        em.context(body),
      ),
    );
    mayAlias.set(u, VIEW_OPS.has(u.op.kind) && u.inputs.some((i) => isLeaf(i) || mayAlias.get(i)));
    // common subexpressions (the same scalar cast of lr for every param, ...) are computed once;
    // only single-expression lowerings qualify, their text names every operand
    const same = body.lines.length === lines ? computed.get(expr) : undefined;
    if (same !== undefined) {
      em.setVar(u, same);
      return;
    }
    const v = em.fresh();
    if (body.lines.length === lines) computed.set(expr, v);
    body.add(`${v} = ${expr}`);
    em.setVar(u, v);
  };
  for (const o of graph.outputs) {
    const u = unitOf(o);
    if (u) visit(u);
  }

  // results: clone anything that may alias an argument, a module constant or another result
  // (callers and the worker may update results in place), then copy back updates, then return
  const results: string[] = [];
  const seen = new Set<string>();
  const writes: string[] = [];
  graph.outputs.forEach((o, k) => {
    const input = donations.get(k);
    let v = em.varOf(o);
    if (input && inPlace.get(o) === input && !seen.has(v)) {
      seen.add(v);
      results.push(v);
      return;
    }
    const shared = isLeaf(o) || mayAlias.get(o) || VIEW_OPS.has(o.op.kind) || seen.has(v);
    seen.add(v);
    if (shared) v = bind(`torch.clone(${v}, memory_format=0)`);
    if (input) {
      writes.push(`${argOf.get(input)}.copy_(${v})`);
      results.push(argOf.get(input)!);
    } else results.push(v);
  });
  for (const w of writes) body.add(`${em.fresh('_w')} = ${w}`);
  body.add(`return (${results.join(', ')}${results.length === 1 ? ',' : ''})`);

  function bind(expr: string): string {
    const v = em.fresh();
    body.add(`${v} = ${expr}`);
    return v;
  }

  const donatedBy = new Map([...donations].map(([k, input]) => [input, k]));
  const inputs: InputSignature[] = graph.inputs.map((n, i) => {
    const k = donatedBy.get(n);
    const base = { name: inputNames[i]!, arg: args[i]!, dtype: n.dtype, shape: [...n.shape] };
    return k === undefined ? base : { ...base, donatedTo: graph.outputNames[k]! };
  });
  const outputs: OutputSignature[] = graph.outputs.map((o, k) => {
    const base = { name: graph.outputNames[k]!, dtype: o.dtype, shape: [...o.shape] };
    const input = donations.get(k);
    return input ? { ...base, donates: inputNames[graph.inputs.indexOf(input)]! } : base;
  });
  const ret =
    graph.outputs.length === 0 ? 'Tuple[()]' : `Tuple[${graph.outputs.map(() => 'Tensor').join(', ')}]`;
  const head = [`  def ${name}(self: __torch__.CLASS,`, ...args.map((a) => `    ${a}: Tensor,`)];
  head[head.length - 1] = head[head.length - 1]!.replace(/,$/, `) -> ${ret}:`);
  if (args.length === 0) head[0] = `  def ${name}(self: __torch__.CLASS) -> ${ret}:`;
  return { lines: [...head, ...body.lines, ...helpers], signature: { inputs, outputs } };
}

/** Resolves [outputName, inputName] pairs to nodes, checking they can share storage. */
function resolveDonations(graph: Graph, pairs: readonly (readonly [string, string])[]): Map<number, Node> {
  const result = new Map<number, Node>();
  const usedInputs = new Set<Node>();
  const where = 'lowerGraph.donate';
  for (const [outName, inName] of pairs) {
    const k = graph.outputNames.indexOf(outName);
    if (k < 0)
      fail(`no output named '${outName}'`, { where, hint: `outputs: ${graph.outputNames.join(', ')}` });
    const input = graph.inputs.find((n) => n.op.kind === 'input' && n.op.name === inName);
    if (!input) fail(`no input named '${inName}'`, { where });
    const out = graph.outputs[k]!;
    if (out.dtype !== input.dtype || !sameShape(out.shape, input.shape)) {
      fail(
        `output '${outName}' is ${out.dtype}${formatShape(out.shape)} but input '${inName}' is ${input.dtype}${formatShape(input.shape)}`,
        { where, hint: 'an output can only be written into an input of the same dtype and shape' },
      );
    }
    if (usedInputs.has(input) || result.has(k)) {
      fail(`'${outName}' or '${inName}' appears in two donations`, { where });
    }
    usedInputs.add(input);
    result.set(k, input);
  }
  return result;
}

/** Whether `out` is (a reshape chain of) `input` within the region. */
function aliasesExternal(out: Node, input: Node, region: Region, regionOf: Map<Node, Region>): boolean {
  let n = out;
  while (n.op.kind === 'reshape' && regionOf.get(n) === region) n = n.inputs[0]!;
  return n === input;
}

function emitChecks(graph: Graph, args: readonly string[], contiguous: ReadonlySet<Node>, body: Block): void {
  graph.inputs.forEach((n, i) => {
    const a = args[i]!;
    const label = n.op.kind === 'input' ? n.op.name : `arg${i}`;
    const want = `${n.dtype}${formatShape(n.shape)}`;
    body.add(`if ${a}.dtype != ${SCALAR_TYPE[n.dtype]} or ${a}.size() != [${n.shape.join(', ')}]:`);
    const msg = stringLiteral(
      `reptile: input '${label}' (argument ${i}) must be ${want} (dtype code ${SCALAR_TYPE[n.dtype]}), got dtype code {} shape {}`,
    );
    body.add(`  ops.prim.RaiseException(${msg}.format(${a}.dtype, ${a}.size()), "builtins.ValueError")`);
    if (contiguous.has(n)) {
      body.add(`if not ${a}.is_contiguous():`);
      const why = stringLiteral(`reptile: input '${label}' is updated in place and must be contiguous`);
      body.add(`  ops.prim.RaiseException(${why}, "builtins.ValueError")`);
    }
  });
}
