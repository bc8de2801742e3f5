import type {
  DType,
  LossConfig,
  OptimizerConfig,
  RegularizerConfig,
  Shape,
  Tensor,
  TypedArray,
} from '@reptile/core';
import { fail } from '@reptile/core';
import type { CallContext } from '@reptile/layers';

/** One parameter of the program, in program order. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  /** false: updated by the forward pass (ctx.updates), never by the optimizer. */
  readonly trainable: boolean;
}

/**
 * Everything a frontend needs to train a model, written once with the tensor protocol: the
 * forward pass as a pure function of (params, x, ctx), the loss, the penalties and the optimizer
 * as configs. A frontend may run it eagerly (reference) or trace it once into a graph (ONNX,
 * TorchScript) with `ctx.uniform` fed as an input.
 */
export interface TrainProgram {
  readonly params: readonly ParamSpec[];
  /** Per-sample input shape. */
  readonly inputShape: Shape;
  /** What the loss consumes: logits when the output activation was fused into the loss. */
  readonly forward: (params: readonly Tensor[], x: Tensor, ctx: CallContext) => Tensor;
  readonly loss: LossConfig;
  readonly optimizer: OptimizerConfig;
  readonly regularizers: readonly {
    readonly regularizer: RegularizerConfig;
    readonly params: readonly string[];
  }[];
  /** Seeds the frontend's noise (Dropout masks). */
  readonly seed: number;
}

/** A batch as host arrays (see Dataset.batch). */
export interface HostBatch {
  readonly x: Float32Array;
  readonly xShape: readonly number[];
  readonly y: Int32Array | Float32Array;
  readonly yShape: readonly number[];
}

/** What one training step (`TrainSession.step`) reports. */
export interface StepOutput {
  /** The objective (loss plus penalties) before the update. */
  readonly loss: number;
  /** The forward output for the batch (what the loss consumed), for running metrics. */
  readonly output: Float32Array | undefined;
}

/** A training run in progress on one frontend. Steps run strictly one after another. */
export interface TrainSession {
  step(batch: HostBatch): Promise<StepOutput>;
  /** Current values of every parameter, in program order. */
  weights(): Promise<TypedArray[]>;
  /** Replaces the learning rate from the next step on (optimizer state is kept). */
  setLearningRate(lr: number): void;
  /** The learning rate the next step uses. */
  learningRate(): number;
  /** Updates applied so far. */
  readonly steps: number;
  /** Optimizer state and noise generator as JSON, for checkpoints. */
  exportState(): unknown;
  dispose(): void;
}

/**
 * A way to run a TrainProgram: the reference backend, or an adapter (ONNX, TensorFlow.js,
 * TorchScript) that executes the same program on its runtime. Made available by name with
 * registerFrontend and chosen per model with `new Model({ frontend })`.
 */
export interface Frontend {
  /**
   * Its name, e.g. 'reference' or 'onnx' (the built-ins carry the name they are registered
   * under); recorded in checkpoints.
   */
  readonly name: string;
  /** Starts training from `initial` weights, or from a state saved by `exportState`. */
  train(program: TrainProgram, initial: readonly TypedArray[], resume?: unknown): Promise<TrainSession>;
  /** Inference: `forward` (already in inference mode) on one batch; returns its output. */
  infer(
    forward: (params: readonly Tensor[], x: Tensor) => Tensor,
    params: readonly ParamSpec[],
    weights: readonly TypedArray[],
    x: Float32Array,
    xShape: readonly number[],
  ): Promise<{ values: Float32Array; shape: number[] }>;
}

type FrontendFactory = () => Frontend | Promise<Frontend>;
const registry = new Map<string, FrontendFactory>();
const cache = new Map<string, Promise<Frontend>>();

/**
 * Makes a frontend available to `new Model({ frontend: name })`. Adapters (onnx, tfjs, torch)
 * call this; the factory runs on first use, so an adapter's runtime loads only when chosen.
 */
export function registerFrontend(name: string, factory: FrontendFactory): void {
  registry.set(name, factory);
  cache.delete(name);
}

/**
 * The names `new Model({ frontend })` accepts, in registration order: the built-in ones
 * ('reference', 'onnx', 'tfjs-cpu', 'tfjs-wasm', 'tfjs', 'torch') once the package is imported,
 * plus any an adapter added. Registered is not the same as runnable: a frontend's runtime loads
 * on first use and may be missing (e.g. 'torch' needs Python with torch installed).
 */
export function registeredFrontends(): string[] {
  return [...registry.keys()];
}

export async function getFrontend(name: string): Promise<Frontend> {
  const factory =
    registry.get(name) ??
    fail(`frontend '${name}' is not available`, {
      where: 'Model({ frontend })',
      hint: `registered frontends: ${[...registry.keys()].join(', ')}; an adapter registers its frontend with registerFrontend()`,
    });
  let frontend = cache.get(name);
  if (!frontend) {
    frontend = Promise.resolve().then(factory);
    cache.set(name, frontend);
  }
  return frontend;
}
