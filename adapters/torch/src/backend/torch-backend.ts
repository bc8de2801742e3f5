import { writeTorchScriptArchive } from '../archive/archive.ts';
import { TorchWorker } from '../bridge/worker.ts';
import { formatShape, type Graph, type Node, primName, Tensor, type TypedArray, topoSort } from '../core.ts';
import { type LowerOptions, lowerGraph } from '../lower/lower.ts';

/**
 * core's Backend, asynchronously: `run` evaluates IR nodes and resolves with their host values.
 * (Backend.run is synchronous; a PyTorch worker is another process, so waiting for it means
 * either blocking the event loop or returning a promise — see docs/torch.md for the choice.)
 */
export interface AsyncBackend {
  readonly name: string;
  run(outputs: readonly Node[], bindings?: ReadonlyMap<Node, TypedArray>): Promise<TypedArray[]>;
}

export interface TorchBackendOptions extends Omit<LowerOptions, 'donate' | 'className'> {
  /** Constants up to this size are compiled into the module; larger ones are sent per call. Default 64. */
  readonly bakeLimit?: number;
  /** Compiled modules kept (least recently used evicted). Default 256. */
  readonly cacheSize?: number;
}

/**
 * Runs IR graphs on PyTorch: each distinct graph structure is lowered to TorchScript once, loaded
 * into the worker, and reused for every later run of the same structure. Placeholder bindings,
 * cached (already realised) nodes and large constants are module arguments, so new data never
 * recompiles; small constants are compiled in.
 */
export class TorchBackend implements AsyncBackend {
  readonly name = 'torch';
  private readonly cache = new Map<string, string>();
  private counter = 0;

  constructor(
    readonly worker: TorchWorker = new TorchWorker(),
    private readonly options: TorchBackendOptions = {},
  ) {}

  /** How many distinct graph structures were compiled so far. */
  get compiledCount(): number {
    return this.counter;
  }

  async run(
    outputs: readonly Node[],
    bindings: ReadonlyMap<Node, TypedArray> = new Map(),
  ): Promise<TypedArray[]> {
    const bake = this.options.bakeLimit ?? 64;
    const isArg = (n: Node) =>
      bindings.has(n) ||
      n.cached !== undefined ||
      n.op.kind === 'input' ||
      (n.op.kind === 'constant' && n.size > bake);
    const order = topoSort(outputs, (n) => isArg(n) || n.op.kind === 'constant');
    const args = order.filter(isArg);
    const values = args.map((n) => {
      const v = bindings.get(n) ?? n.cached ?? (n.op.kind === 'constant' ? n.op.data : undefined);
      if (v === undefined) throw new Error(`TorchBackend: placeholder #${n.id} has no binding`);
      return v;
    });
    // Arguments become placeholders of a fresh graph over the same nodes: wrap them so the
    // lowering treats them as inputs whatever their kind.
    const graph: Graph = {
      inputs: args,
      outputs: [...outputs],
      outputNames: outputs.map((_, i) => `out${i}`),
    };
    const key = structureKey(order, args, outputs, bake);
    let name = this.cache.get(key);
    if (name === undefined) {
      name = `backend${this.counter++}`;
      const { bakeLimit: _b, cacheSize: _c, ...lower } = this.options;
      await this.worker.load(name, writeTorchScriptArchive(lowerGraph(graph, lower)));
      this.cache.set(key, name);
      this.evict();
    } else {
      this.cache.delete(key); // refresh LRU position
      this.cache.set(key, name);
    }
    const out = await this.worker.run(
      name,
      args.map((n, i) => ({ dtype: n.dtype, shape: n.shape, data: values[i]! })),
    );
    return out.map((t) => t.data);
  }

  private evict(): void {
    const limit = this.options.cacheSize ?? 256;
    while (this.cache.size > limit) {
      const [oldest, artifact] = this.cache.entries().next().value as [string, string];
      this.cache.delete(oldest);
      void this.worker.unload(artifact).catch(() => {});
    }
  }
}

/** Ops, attributes, shapes, dtypes and baked constant data, with arguments by position. */
function structureKey(
  order: readonly Node[],
  args: readonly Node[],
  outputs: readonly Node[],
  bake: number,
): string {
  const ids = new Map<Node, number>();
  const argIndex = new Map(args.map((n, i) => [n, i]));
  const parts: string[] = [];
  for (const n of order) {
    ids.set(n, ids.size);
    const a = argIndex.get(n);
    if (a !== undefined) {
      parts.push(`arg${a}:${n.dtype}${formatShape(n.shape)}`);
      continue;
    }
    const { kind: _k, ...attrs } = n.op as { kind: string; data?: ArrayLike<number> };
    const text =
      n.op.kind === 'constant' && n.size <= bake
        ? Array.from(n.op.data, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')
        : JSON.stringify(attrs);
    parts.push(
      `${primName(n.op)}(${n.inputs.map((i) => ids.get(i)).join(',')})${text}:${n.dtype}${formatShape(n.shape)}`,
    );
  }
  parts.push(`out:${outputs.map((o) => ids.get(o)).join(',')}`);
  return parts.join(';');
}

/** Realises tensors on an async backend in one run and caches their values on the nodes. */
export async function realizeAsync(tensors: readonly Tensor[], backend: AsyncBackend): Promise<TypedArray[]> {
  const pending = tensors.filter((t) => t.node.cached === undefined && t.node.op.kind !== 'constant');
  if (pending.length > 0) {
    const values = await backend.run(pending.map((t) => t.node));
    pending.forEach((t, i) => {
      t.node.cached = values[i]!;
    });
  }
  return tensors.map((t) => t.node.cached ?? (t.node.op.kind === 'constant' ? t.node.op.data : undefined)!);
}

/**
 * Realises every tensor inside a plain value (arrays, records: e.g. optimizer state) in one run
 * and swaps in constants, dropping the graphs behind them.
 */
export async function settleAsync<T>(value: T, backend: AsyncBackend): Promise<T> {
  const found: Tensor[] = [];
  const collect = (v: unknown): void => {
    if (v instanceof Tensor) found.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
  };
  collect(value);
  const values = await realizeAsync(found, backend);
  const constants = new Map(found.map((t, i) => [t, Tensor.fromData(values[i]!, t.shape, t.dtype)]));
  const rebuild = (v: unknown): unknown => {
    if (v instanceof Tensor) return constants.get(v) ?? v;
    if (Array.isArray(v)) return v.map(rebuild);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rebuild(x)]));
    return v;
  };
  return rebuild(value) as T;
}
