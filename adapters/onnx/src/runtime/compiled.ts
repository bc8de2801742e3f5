import type { DType, TypedArray } from '@reptile/core';
import { ReptileError } from '@reptile/core';
import ort from 'onnxruntime-node';
import type { ModelObject } from '../proto/schema.ts';
import { encodeModel } from '../proto/schema.ts';
import {
  createSessionAsync,
  createSessionSync,
  type Feeds,
  type OrtSession,
  type Results,
  type SessionConfig,
} from './session.ts';

/** One named, typed tensor slot of a compiled graph. */
export interface IoSpec {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export const STORAGE: Readonly<Record<DType, new (n: number) => TypedArray>> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A lowered model bound to onnxruntime: sessions are built once (lazily, sync or async as first
 * used) and reused for every run. Inputs are checked against the signature before onnxruntime
 * sees them; onnxruntime's own errors are rethrown naming the ONNX node, the Reptile op it came
 * from, and its input and output tensors.
 */
export class CompiledGraph {
  readonly bytes: Uint8Array;
  private syncSession: OrtSession | undefined;
  private asyncSession: Promise<OrtSession> | undefined;
  private readonly retired: Promise<OrtSession>[] = [];
  private inflight = 0;
  private readonly nodeIo: Map<string, { op: string; input: string[]; output: string[] }>;

  constructor(
    model: ModelObject,
    readonly inputs: readonly IoSpec[],
    readonly outputs: readonly IoSpec[],
    private readonly origin: ReadonlyMap<string, string>,
    private readonly config: SessionConfig = {},
    readonly where = 'onnx graph',
  ) {
    this.bytes = encodeModel(model);
    this.nodeIo = new Map(
      model.graph.node.map((n) => [n.name, { op: n.op_type, input: n.input, output: n.output }]),
    );
  }

  /**
   * Runs synchronously (native binding). Values are in `inputs` order; results in `outputs` order.
   * With `into` (one array per output, e.g. views into larger arrays), onnxruntime writes the
   * results there and those arrays are returned: no output buffer is allocated on the JS side
   * (onnxruntime-node still returns a copy of each, which is dropped).
   */
  runSync(values: readonly TypedArray[], into?: readonly TypedArray[]): TypedArray[] {
    const feeds = this.feeds(values);
    const fetches = into && this.fetches(into);
    this.syncSession ??= this.guard(() =>
      createSessionSync(this.bytes, this.config, {
        inputs: this.inputs.map((s) => s.name),
        outputs: this.outputs.map((s) => s.name),
      }),
    );
    const session = this.syncSession;
    const results = this.guard(() => session.runSync!(feeds, fetches));
    return into ? [...into] : this.results(results);
  }

  /** Preallocated output tensors over `into`, checked like inputs so onnxruntime never resizes them. */
  private fetches(into: readonly TypedArray[]): Record<string, ort.Tensor> {
    if (into.length !== this.outputs.length) {
      throw new ReptileError(
        `has ${this.outputs.length} outputs, got ${into.length} arrays to write them into`,
        {
          where: this.where,
          hint: 'pass one array per output, in output order',
        },
      );
    }
    const fetches: Record<string, ort.Tensor> = {};
    this.outputs.forEach((spec, i) => {
      const v = into[i]!;
      if (!(v instanceof STORAGE[spec.dtype]) || v.length !== sizeOf(spec.shape)) {
        throw new ReptileError(
          `output '${spec.name}' needs a ${STORAGE[spec.dtype].name} of ${sizeOf(spec.shape)} values to write into`,
          { where: this.where, hint: 'allocate it with the output dtype and size' },
        );
      }
      fetches[spec.name] = new ort.Tensor(spec.dtype, v, spec.shape);
    });
    return fetches;
  }

  async runAsync(values: readonly TypedArray[]): Promise<TypedArray[]> {
    const feeds = this.feeds(values);
    this.asyncSession ??= createSessionAsync(this.bytes, this.config);
    const pending = this.asyncSession;
    this.inflight++;
    try {
      let session: OrtSession;
      try {
        session = await pending;
      } catch (err) {
        if (this.asyncSession === pending) this.asyncSession = undefined;
        throw this.wrap(err);
      }
      try {
        return this.results(await session.run(feeds));
      } catch (err) {
        throw this.wrap(err);
      }
    } finally {
      this.inflight--;
      if (this.inflight === 0) this.releaseRetired();
    }
  }

  /** Releases the sessions; an async session still running is released when its runs finish. */
  release(): void {
    this.syncSession?.release();
    this.syncSession = undefined;
    if (this.asyncSession) this.retired.push(this.asyncSession);
    this.asyncSession = undefined;
    if (this.inflight === 0) this.releaseRetired();
  }

  private releaseRetired(): void {
    for (const p of this.retired.splice(0)) p.then((s) => s.release()).catch(() => undefined);
  }

  /** Checks count, dtype (storage type) and element count of every value, naming the slot. */
  checkValues(values: readonly TypedArray[]): void {
    if (values.length !== this.inputs.length) {
      throw new ReptileError(
        `takes ${this.inputs.length} inputs (${this.inputs.map((s) => s.name).join(', ')}), got ${values.length}`,
        {
          where: this.where,
        },
      );
    }
    this.inputs.forEach((spec, i) => {
      const v = values[i];
      const Storage = STORAGE[spec.dtype];
      if (!(v instanceof Storage)) {
        throw new ReptileError(
          `input '${spec.name}' is ${spec.dtype} and needs a ${Storage.name}, got ${v?.constructor?.name ?? typeof v}`,
          { where: this.where, hint: `convert the value to ${spec.dtype} (e.g. with cast) before running` },
        );
      }
      const size = sizeOf(spec.shape);
      if (v.length !== size) {
        throw new ReptileError(
          `input '${spec.name}' has ${v.length} values but its shape [${spec.shape.join(',')}] needs ${size}`,
          { where: this.where, hint: 'a graph is compiled for fixed shapes; trace it again for new shapes' },
        );
      }
    });
  }

  private feeds(values: readonly TypedArray[]): Feeds {
    this.checkValues(values);
    const feeds: Feeds = {};
    this.inputs.forEach((spec, i) => {
      feeds[spec.name] = new ort.Tensor(spec.dtype, values[i]!, spec.shape);
    });
    return feeds;
  }

  private results(results: Results): TypedArray[] {
    return this.outputs.map((spec) => {
      const t = results[spec.name];
      if (!t)
        throw new ReptileError(`onnxruntime returned no value for output '${spec.name}'`, {
          where: this.where,
        });
      const data = t.data as TypedArray;
      if (data instanceof STORAGE[spec.dtype]) return data;
      return STORAGE[spec.dtype] === Uint8Array ? Uint8Array.from(data as ArrayLike<number>) : data;
    });
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.wrap(err);
    }
  }

  /** Rewrites an onnxruntime error so it names the node, its Reptile origin and its tensors. */
  wrap(err: unknown): ReptileError {
    if (err instanceof ReptileError) return err;
    const message = err instanceof Error ? err.message : String(err);
    let detail = '';
    for (const [name, io] of this.nodeIo) {
      if (!message.includes(`'${name}'`) && !message.includes(`(${name})`)) continue;
      const from = this.origin.get(name);
      detail = ` in ONNX node '${name}' (${io.op}${from ? `, lowering ${from}` : ''}; inputs ${io.input.join(', ')} → outputs ${io.output.join(', ')})`;
      break;
    }
    return new ReptileError(`onnxruntime failed${detail}: ${message}`, {
      where: this.where,
      hint: 'this is a Reptile lowering bug if the inputs matched the signature; please report it with the graph',
      cause: err,
    });
  }
}
