import { type Node, primName } from '../core.ts';
import { SCALAR_TYPE } from './dtypes.ts';
import { Block, type Emitter } from './emitter.ts';
import { PRIM_LOWERINGS, render } from './prims.ts';
import { type Region, scalarSource } from './regions.ts';

export interface RegionPlan {
  readonly region: Region;
  /** Name of the helper method that runs one task's share of the chunks. */
  readonly method: string;
  /** Chunk length in elements. */
  readonly chunk: number;
  /** Members whose values are needed outside the region. */
  readonly outputs: readonly Node[];
  /** Outputs written in place into a donated (contiguous, checked) input: output → input. */
  readonly inPlace: ReadonlyMap<Node, Node>;
}

/** The module attribute holding how many tasks a region is split into (set it to the core count). */
export const TASKS_ATTRIBUTE = 'reptile_tasks';

/** A value inside the region: a 0-dim scalar computed once, or this chunk's slice. */
interface Value {
  readonly name: string;
  readonly scalar: boolean;
}

/**
 * Emits one region: the caller's block flattens externals, turns size-1 broadcasts into 0-dim
 * tensors (torch broadcasts them itself), runs scalar-only members once and allocates outputs;
 * then `reptile_tasks` forked tasks each run a helper method over their own range of chunks.
 * Chunks are at most 32768 elements — torch's intra-op grain — so each op runs single-threaded
 * inside its task: no thread barrier per op, which on a busy machine costs a scheduling quantum
 * each, and the chunk's intermediates stay in cache. Outputs are written with `out=` into their
 * slice when safe, else copied at the end of the chunk; an in-place output overwrites its
 * donated input's slice only after every read of that slice in the chunk. Tasks touch disjoint
 * ranges, so they never race. Returns the helper method's lines.
 */
export function emitRegion(plan: RegionPlan, em: Emitter, block: Block): string[] {
  const { region, chunk, outputs, inPlace } = plan;
  const inRegion = (n: Node) => region.members.includes(n);
  const n = region.size;
  block.add(`# region ${region.id}: ${region.members.length} ops over ${n} elements, chunks of ${chunk}`);

  const flat = new Map<Node, string>();
  const scalars = new Map<Node, string>();
  for (const m of region.members) {
    for (const o of m.inputs) {
      if (inRegion(o)) continue;
      const src = scalarSource(o);
      if (src && !scalars.has(src)) {
        scalars.set(src, bindTo(block, em, `torch.reshape(${em.varOf(src)}, [])`));
      } else if (!src && !flat.has(o)) {
        flat.set(o, bindTo(block, em, `torch.reshape(${em.varOf(o)}, [-1])`));
      }
    }
  }
  const dst = new Map<Node, string>();
  for (const o of outputs) {
    const donated = inPlace.get(o);
    if (donated) {
      let f = flat.get(donated);
      if (f === undefined) {
        f = bindTo(block, em, `torch.reshape(${em.varOf(donated)}, [-1])`);
        flat.set(donated, f);
      }
      dst.set(o, f);
    } else {
      dst.set(o, bindTo(block, em, `torch.empty([${n}], dtype=${SCALAR_TYPE[o.dtype]})`));
    }
  }

  // members computable once, before the tasks start
  const values = new Map<Node, Value>();
  const scalarOperand = (o: Node): Value | undefined => {
    if (inRegion(o)) return values.get(o);
    const src = scalarSource(o);
    return src ? { name: scalars.get(src)!, scalar: true } : undefined;
  };
  for (const m of region.members) {
    const args = m.inputs.map(scalarOperand);
    if (!args.every((a) => a?.scalar)) continue;
    if (m.op.kind === 'reshape') values.set(m, args[0]!);
    else {
      const expr = render(PRIM_LOWERINGS[primName(m.op)](m, names(args), em.context(block)));
      values.set(m, { name: bindTo(block, em, expr), scalar: true });
    }
  }

  // the helper method's parameters: every name from this block that its body reads
  const params = [
    ...new Set([
      ...flat.values(),
      ...dst.values(),
      ...[...values.values()].map((v) => v.name),
      ...scalars.values(),
    ]),
  ];
  const body = new Block('    ');
  const loop = new Block('      ');
  body.add(`_per = (${n} + tasks * ${chunk} - 1) // (tasks * ${chunk}) * ${chunk}`);
  body.add('_lo = task * _per');
  body.add(`_hi = min(${n}, _lo + _per)`);
  body.add(`for _i in range(_lo, _hi, ${chunk}):`);
  loop.add(`_n = min(${chunk}, _hi - _i)`);
  const chunkVars = new Map<Node, string>();
  for (const [ext, f] of flat) {
    const c = em.fresh('_c');
    loop.add(`${c} = torch.narrow(${f}, 0, _i, _n)`);
    chunkVars.set(ext, c);
  }
  const operand = (o: Node): Value =>
    values.get(o) ?? scalarOperand(o) ?? { name: chunkVars.get(o)!, scalar: false };

  const loopMembers = region.members.filter((m) => !values.has(m));
  // index of the last member reading each external's slice, for the in-place hazard check
  const lastRead = new Map<Node, number>();
  const aliasOf = new Map<Node, Node | undefined>();
  loopMembers.forEach((m, k) => {
    for (const o of m.inputs) {
      const ext = inRegion(o) ? aliasOf.get(o) : scalarSource(o) ? undefined : o;
      if (ext) lastRead.set(ext, k);
    }
    if (m.op.kind === 'reshape') {
      const o = m.inputs[0]!;
      aliasOf.set(m, inRegion(o) ? aliasOf.get(o) : o);
    }
  });

  const written = new Set<Node>();
  const ctx = em.context(loop);
  loopMembers.forEach((m, k) => {
    const args = m.inputs.map(operand);
    if (m.op.kind === 'reshape') {
      values.set(m, args[0]!);
      return;
    }
    const lowered = PRIM_LOWERINGS[primName(m.op)](m, names(args), ctx);
    const target = dst.get(m);
    const donated = inPlace.get(m);
    const safe = donated === undefined || (lastRead.get(donated) ?? -1) <= k;
    if (target !== undefined && typeof lowered !== 'string' && safe) {
      // an in-place destination is the donated input's own chunk view, already at hand
      let d = donated ? chunkVars.get(donated) : undefined;
      if (d === undefined) {
        d = em.fresh('_d');
        loop.add(`${d} = torch.narrow(${target}, 0, _i, _n)`);
      }
      loop.add(`${em.fresh('_w')} = ${render(lowered, d)}`);
      values.set(m, { name: d, scalar: false });
      written.add(m);
    } else {
      values.set(m, { name: bindTo(loop, em, render(lowered)), scalar: false });
    }
  });
  for (const o of outputs) {
    if (written.has(o)) continue;
    loop.add(`${em.fresh('_w')} = torch.narrow(${dst.get(o)}, 0, _i, _n).copy_(${values.get(o)!.name})`);
  }
  body.lines.push(...loop.lines);
  body.add('return 0');

  // fork tasks 1.. and run task 0 here; each future is waited for before the outputs are used
  const call = (task: string, tasks: string) =>
    `(self).${plan.method}(${[task, tasks, ...params].join(', ')}, )`;
  const futures = em.fresh('_f');
  const tasks = em.fresh('_tasks');
  const t = em.fresh('_task');
  block.add(`${futures} = annotate(List[Future[int]], [])`);
  block.add(`${tasks} = self.${TASKS_ATTRIBUTE}`);
  block.add(`for ${t} in range(1, ${tasks}):`);
  block.add('  def __forked_function():');
  block.add(`    return ${call(t, tasks)}`);
  block.add(`  ${em.fresh('_w')} = torch.append(${futures}, fork(__forked_function))`);
  block.add(`${em.fresh('_w')} = ${call('0', tasks)}`);
  const k = em.fresh('_k');
  block.add(`for ${k} in range(torch.len(${futures})):`);
  block.add(`  ${em.fresh('_w')} = torch.wait(${futures}[${k}])`);

  for (const o of outputs) {
    const donated = inPlace.get(o);
    if (donated) em.setVar(o, em.varOf(donated));
    else em.setVar(o, bindTo(block, em, `torch.reshape(${dst.get(o)}, [${o.shape.join(', ')}])`));
  }
  const signature = ['task: int', 'tasks: int', ...params.map((name) => `${name}: Tensor`)];
  return [`  def ${plan.method}(self: __torch__.CLASS, ${signature.join(', ')}) -> int:`, ...body.lines];
}

function bindTo(block: Block, em: Emitter, expr: string): string {
  const v = em.fresh();
  block.add(`${v} = ${expr}`);
  return v;
}

function names(values: readonly (Value | undefined)[]): string[] {
  return values.map((v) => {
    if (!v) throw new Error('internal: region operand has no value');
    return v.name;
  });
}
