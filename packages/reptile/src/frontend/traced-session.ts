import {
  type DType,
  deserializeOptimizerState,
  fail,
  flattenState,
  type OptimizerConfig,
  optimizerFromConfig,
  realize,
  rebuildState,
  serializeOptimizerState,
  Tensor,
  type TracedProgram,
  type TypedArray,
} from '@reptile/core';
import { Random } from '@reptile/layers';
import { singleProcessOptimizer, withLearningRate } from '../api/optimizer.ts';
import type { Frontend, HostBatch, ParamSpec, StepOutput, TrainProgram, TrainSession } from './frontend.ts';
import { type StepGraph, traceInference, traceStep } from './traced-step.ts';

/** A traced program bound to one runtime; values in input order, results in output order. */
export interface CompiledGraph {
  run(values: readonly TypedArray[]): Promise<TypedArray[]>;
  dispose(): void;
}

/** What a runtime (onnxruntime, tfjs, the torch worker) provides to run traced programs. */
export interface GraphEngine {
  compile(program: TracedProgram, label: string): Promise<CompiledGraph>;
  /** Releases the runtime (the torch worker process); sessions must be disposed first. */
  close?(): Promise<void>;
}

const STORAGE: Record<DType, (v: ArrayLike<number>) => TypedArray> = {
  float32: (v) => (v instanceof Float32Array ? v : Float32Array.from(v)),
  float64: (v) => (v instanceof Float64Array ? v : Float64Array.from(v)),
  int32: (v) => (v instanceof Int32Array ? v : Int32Array.from(v)),
  bool: (v) => (v instanceof Uint8Array ? v : Uint8Array.from(v)),
};

const asFloat32 = (v: TypedArray): Float32Array => (v instanceof Float32Array ? v : Float32Array.from(v));

/** Inference graphs kept compiled (evaluate runs a full batch and a remainder). */
const INFER_CACHE = 4;

/**
 * A frontend that runs each training step as ONE traced program on `engine`: forward, loss,
 * penalties, gradients and the optimizer update (ZooKeeper on one process is its proposal
 * optimizer, so it traces too). Params and optimizer state stay host arrays between steps, so a
 * step whose loss is not finite simply is not adopted: nothing changes, as on 'reference'.
 */
export class TracedFrontend implements Frontend {
  private readonly inference = new Map<string, Promise<{ compiled: CompiledGraph; shape: number[] }>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;

  constructor(
    readonly name: string,
    private readonly engine: GraphEngine,
  ) {}

  /** Releases compiled inference graphs and the runtime (the torch worker process). */
  async close(): Promise<void> {
    for (const graph of this.inference.values()) (await graph).compiled.dispose();
    this.inference.clear();
    await this.engine.close?.();
  }

  async train(
    program: TrainProgram,
    initial: readonly TypedArray[],
    resume?: unknown,
  ): Promise<TrainSession> {
    return new TracedSession(this.name, this.engine, program, initial, resume);
  }

  async infer(
    forward: (params: readonly Tensor[], x: Tensor) => Tensor,
    params: readonly ParamSpec[],
    weights: readonly TypedArray[],
    x: Float32Array,
    xShape: readonly number[],
  ): Promise<{ values: Float32Array; shape: number[] }> {
    let id = this.ids.get(forward);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(forward, id);
    }
    const dtype = params[0]?.dtype ?? 'float32';
    const key = `${id}|${xShape.join(',')}|${params.map((p) => `${p.name}:${p.dtype}[${p.shape}]`).join(';')}`;
    let compiled = this.inference.get(key);
    if (!compiled) {
      const program = traceInference(forward, params, xShape, dtype);
      const shape = [...program.outputs[0]!.node.shape];
      compiled = this.engine.compile(program, `${this.name}.infer`).then((c) => ({ compiled: c, shape }));
      this.inference.set(key, compiled);
      for (const [old, graph] of this.inference) {
        if (this.inference.size <= INFER_CACHE) break;
        this.inference.delete(old);
        void graph.then((g) => g.compiled.dispose()).catch(() => undefined);
      }
    }
    const inputs = [...params.map((p, i) => STORAGE[p.dtype](weights[i]!)), STORAGE[dtype](x)];
    const { compiled: graph, shape } = await compiled;
    const [out] = await graph.run(inputs);
    return { values: asFloat32(out!), shape };
  }
}

interface SavedTracedSession {
  readonly format: 'reptile.traced-session';
  readonly frontend: string;
  readonly optimizer: unknown;
  readonly random: number;
  readonly lr: number | null;
}

interface CompiledStep {
  readonly graph: StepGraph;
  readonly compiled: CompiledGraph;
}

class TracedSession implements TrainSession {
  private params: TypedArray[];
  private state: TypedArray[];
  private count = 0;
  private random: Random;
  private optimizer;
  private lrOverride: number | null = null;
  private readonly template: unknown;
  private readonly traceConfig: OptimizerConfig;
  private readonly compiled = new Map<string, Promise<CompiledStep>>();

  constructor(
    private readonly frontend: string,
    private readonly engine: GraphEngine,
    private readonly program: TrainProgram,
    initial: readonly TypedArray[],
    resume: unknown,
  ) {
    if (initial.length !== program.params.length)
      fail(`${initial.length} initial values for ${program.params.length} params`, {
        where: `${frontend} frontend`,
      });
    this.params = program.params.map((p, i) => STORAGE[p.dtype](initial[i]!.slice()));
    this.traceConfig = singleProcessOptimizer(program.optimizer);
    this.optimizer = optimizerFromConfig(this.traceConfig);
    const trainable = program.params.flatMap((p, i) =>
      p.trainable ? [Tensor.fromData(this.params[i]!, p.shape, p.dtype)] : [],
    );
    this.template = this.optimizer.init(trainable).inner;
    this.state = realize(flattenState(this.template).map((l) => l.tensor));
    this.random = new Random(program.seed);
    if (resume !== undefined) this.restore(resume);
  }

  private restore(resume: unknown): void {
    const saved = resume as SavedTracedSession;
    if (saved?.format !== 'reptile.traced-session' || saved.frontend !== this.frontend)
      fail(`is not a '${this.frontend}'-frontend training state`, {
        where: 'checkpoint',
        hint: 'resume on the frontend that saved it',
      });
    if (saved.lr !== null) this.setLearningRate(saved.lr);
    const state = deserializeOptimizerState(
      saved.optimizer,
      { step: 0, inner: this.template },
      'checkpoint optimizer state',
    );
    this.count = state.step;
    this.state = realize(flattenState(state.inner).map((l) => l.tensor));
    this.random = Random.restore(saved.random);
  }

  get steps(): number {
    return this.count;
  }

  async step(batch: HostBatch): Promise<StepOutput> {
    const xDType = this.program.params[0]?.dtype ?? 'float32';
    const yDType: DType = batch.y instanceof Int32Array ? 'int32' : xDType;
    const { graph, compiled } = await this.compile({
      xShape: batch.xShape,
      yShape: batch.yShape,
      xDType,
      yDType,
    });
    const noise = graph.noise.map(({ shape, dtype }) => {
      const values = STORAGE[dtype](new Float64Array(shape.reduce((a, b) => a * b, 1)));
      for (let i = 0; i < values.length; i++) values[i] = this.random.next();
      return values;
    });
    const out = await compiled.run([
      ...graph.trainable.map((i) => this.params[i]!),
      ...this.state,
      STORAGE[xDType](batch.x),
      STORAGE[yDType](batch.y),
      Float64Array.of(this.count + 1),
      Float64Array.of(this.optimizer.learningRate(this.count)),
      ...graph.fixed.map((i) => this.params[i]!),
      ...noise,
    ]);
    const n = graph.trainable.length;
    const s = this.state.length;
    const loss = out[n + s]![0]!;
    if (!Number.isFinite(loss))
      fail(`the loss is ${loss} at step ${this.count + 1}`, {
        where: 'training step',
        hint: 'weights were left unchanged; lower the learning rate or check the data for NaN/∞',
      });
    const params = [...this.params];
    graph.trainable.forEach((p, k) => {
      params[p] = out[k]!;
    });
    graph.updated.forEach((p, k) => {
      params[p] = out[n + s + 2 + k]!;
    });
    this.params = params;
    this.state = out.slice(n, n + s);
    this.count++;
    return { loss, output: asFloat32(out[n + s + 1]!) };
  }

  private compile(signature: Parameters<typeof traceStep>[2]): Promise<CompiledStep> {
    const key = `${signature.xShape}|${signature.yShape}|${signature.xDType}|${signature.yDType}`;
    let entry = this.compiled.get(key);
    if (!entry) {
      const graph = traceStep(this.program, this.traceConfig, signature);
      entry = this.engine
        .compile(graph.program, `${this.frontend}.train_step`)
        .then((compiled) => ({ graph, compiled }));
      this.compiled.set(key, entry);
    }
    return entry;
  }

  async weights(): Promise<TypedArray[]> {
    return this.params.map((p) => p.slice());
  }

  setLearningRate(lr: number): void {
    if (!(Number.isFinite(lr) && lr >= 0))
      fail(`learning rate ${lr} is not a finite number ≥ 0`, { where: 'setLearningRate' });
    this.lrOverride = lr;
    this.optimizer = optimizerFromConfig(
      singleProcessOptimizer(withLearningRate(this.program.optimizer, lr)),
    );
  }

  learningRate(): number {
    return this.optimizer.learningRate(this.count);
  }

  exportState(): SavedTracedSession {
    const leaves = flattenState(this.template).map((l, i) =>
      Tensor.fromData(this.state[i]!, l.tensor.shape, l.tensor.dtype),
    );
    return {
      format: 'reptile.traced-session',
      frontend: this.frontend,
      optimizer: serializeOptimizerState({ step: this.count, inner: rebuildState(this.template, leaves) }),
      random: this.random.snapshot(),
      lr: this.lrOverride,
    };
  }

  dispose(): void {
    for (const entry of this.compiled.values())
      void entry.then((e) => e.compiled.dispose()).catch(() => undefined);
    this.compiled.clear();
  }
}
