import { type Backend, type Node, primName, ReptileError, type TypedArray, topoSort } from '@reptile/core';
import type { LowerOptions } from '../lower/context.ts';
import { isLeaf, lowerToModel } from '../lower/lower.ts';
import { CompiledGraph, STORAGE } from './compiled.ts';
import type { SessionConfig } from './session.ts';

export interface OnnxBackendOptions extends SessionConfig, LowerOptions {
  /** Compiled graphs kept (least recently used evicted, its session released). Default 64. */
  readonly maxCachedGraphs?: number;
}

/** A subgraph prepared for one run: its compiled form and the host values to feed it. */
interface Prepared {
  /** undefined when every requested output is a leaf: nothing to run. */
  readonly compiled: CompiledGraph | undefined;
  readonly feeds: TypedArray[];
  /** Maps each requested output to a compiled output index, or to a leaf value. */
  readonly pick: readonly ({ kind: 'out'; index: number } | { kind: 'leaf'; value: TypedArray })[];
}

/**
 * Runs IR graphs on onnxruntime-node. Every leaf of the subgraph (placeholders, constants, values
 * an earlier run cached) becomes a graph INPUT, so the ONNX structure depends only on the ops,
 * shapes and dtypes — not on parameter values or learning rates — and the session compiled for
 * one optimizer step serves every later step. Sessions are keyed by that structural signature.
 * One `run` is one `session.run`.
 */
export class OnnxBackend implements Backend {
  readonly name = 'onnx';
  private readonly cache = new Map<string, CompiledGraph>();
  private compiles = 0;

  constructor(private readonly options: OnnxBackendOptions = {}) {
    const max = options.maxCachedGraphs;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
      throw new ReptileError(`maxCachedGraphs must be an integer ≥ 1, got ${max}`, {
        where: 'OnnxBackend options',
      });
    }
  }

  /** How many distinct graphs were compiled (a session-reuse check for tests and benchmarks). */
  get compiledCount(): number {
    return this.compiles;
  }

  run(outputs: readonly Node[], bindings?: ReadonlyMap<Node, TypedArray>): TypedArray[] {
    const p = this.prepare(outputs, bindings);
    const values = p.compiled ? p.compiled.runSync(p.feeds) : [];
    return p.pick.map((k) => (k.kind === 'leaf' ? k.value : values[k.index]!));
  }

  /** The same as `run`, through onnxruntime's public async API. */
  async runAsync(outputs: readonly Node[], bindings?: ReadonlyMap<Node, TypedArray>): Promise<TypedArray[]> {
    const p = this.prepare(outputs, bindings);
    const values = p.compiled ? await p.compiled.runAsync(p.feeds) : [];
    return p.pick.map((k) => (k.kind === 'leaf' ? k.value : values[k.index]!));
  }

  /** Releases every cached session. */
  dispose(): void {
    for (const c of this.cache.values()) c.release();
    this.cache.clear();
  }

  private prepare(outputs: readonly Node[], bindings?: ReadonlyMap<Node, TypedArray>): Prepared {
    const order = topoSort(outputs, isLeaf);
    const ids = new Map<Node, number>();
    const leaves: Node[] = [];
    const parts: string[] = [];
    for (const n of order) {
      ids.set(n, ids.size);
      if (isLeaf(n)) {
        leaves.push(n);
        parts.push(`L:${n.dtype}[${n.shape.join(',')}]`);
      } else {
        const { kind: _kind, ...attrs } = n.op;
        parts.push(
          `${primName(n.op)}(${n.inputs.map((i) => ids.get(i)).join(',')})${JSON.stringify(attrs)}:${n.dtype}[${n.shape.join(',')}]`,
        );
      }
    }
    // Outputs computed by the graph, each once; leaves asked for as outputs are returned as they are.
    const computed: Node[] = [];
    const pick = outputs.map((n) => {
      if (isLeaf(n)) return { kind: 'leaf' as const, value: leafValue(n, bindings) };
      let index = computed.indexOf(n);
      if (index < 0) index = computed.push(n) - 1;
      return { kind: 'out' as const, index };
    });
    if (computed.length === 0) return { compiled: undefined, feeds: [], pick };
    const key = `${parts.join(';')}|out:${computed.map((n) => ids.get(n)).join(',')}`;
    const feeds = leaves.map((n) => leafValue(n, bindings));
    let compiled = this.cache.get(key);
    if (compiled) {
      this.cache.delete(key); // re-insert: Map order is the LRU order
    } else {
      compiled = this.compile(leaves, computed);
      this.evict();
    }
    this.cache.set(key, compiled);
    return { compiled, feeds, pick };
  }

  private compile(leaves: readonly Node[], computed: readonly Node[]): CompiledGraph {
    this.compiles++;
    const inputs = leaves.map((node, k) => ({ node, name: `leaf_${k}` }));
    const outputNames = computed.map((_, k) => `out_${k}`);
    const { model, origin } = lowerToModel(
      { outputs: computed, outputNames, inputs },
      { exactOutputShapes: false, ...this.options },
    );
    const spec = (node: Node, name: string) => ({ name, dtype: node.dtype, shape: node.shape });
    return new CompiledGraph(
      model,
      inputs.map((i) => spec(i.node, i.name)),
      computed.map((n, k) => spec(n, outputNames[k]!)),
      origin,
      this.options,
      'onnx backend',
    );
  }

  private evict(): void {
    const max = this.options.maxCachedGraphs ?? 64;
    while (this.cache.size >= max) {
      const [oldest, c] = this.cache.entries().next().value!;
      c.release();
      this.cache.delete(oldest);
    }
  }
}

/** The host value of a leaf, checked against its node (placeholders must be bound with the right size). */
function leafValue(n: Node, bindings: ReadonlyMap<Node, TypedArray> | undefined): TypedArray {
  if (n.cached !== undefined) return n.cached;
  if (n.op.kind === 'constant') return n.op.data;
  if (n.op.kind !== 'input') throw new ReptileError(`internal: ${n.op.kind} is not a leaf`);
  const bound = bindings?.get(n);
  if (!bound) {
    throw new ReptileError(`graph input '${n.op.name}' was not given a value`, {
      where: 'onnx backend',
      hint: 'bind every placeholder when running a traced graph',
    });
  }
  if (!(bound instanceof STORAGE[n.dtype])) {
    throw new ReptileError(
      `input '${n.op.name}' is ${n.dtype} but was bound to a ${bound.constructor.name}`,
      {
        where: 'onnx backend',
        hint: `bind a ${STORAGE[n.dtype].name}`,
      },
    );
  }
  if (bound.length !== n.size) {
    throw new ReptileError(
      `input '${n.op.name}' has ${bound.length} values, its shape [${n.shape.join(',')}] needs ${n.size}`,
      {
        where: 'onnx backend',
      },
    );
  }
  return bound;
}
