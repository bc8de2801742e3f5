import {
  flattenState,
  ReferenceBackend,
  ReptileError,
  realize,
  resolveOptimizer,
  Tensor,
  type TypedArray,
} from '@reptile/core';
import { trainLoopModel } from '../export/train-loop.ts';
import { type TrainStepSpec, trainStepProgram } from '../export/train-step.ts';
import { compileProgram, ioSpecs, type Program } from '../program.ts';
import { CompiledGraph, type IoSpec } from '../runtime/compiled.ts';
import type { OnnxRunOptions } from './onnx-optimizer.ts';

export type OnnxTrainerOptions = OnnxRunOptions & {
  /**
   * Steps `runSteps` takes per `session.run`, as one ONNX Loop over stacked batches
   * (trainLoopModel; Keras' steps_per_execution). Default 1. `step` always runs one step.
   */
  readonly stepsPerRun?: number;
};

export interface OnnxTrainerState {
  readonly params: readonly TypedArray[];
  /** Updates applied so far. */
  readonly step: number;
  readonly optimizer: readonly TypedArray[];
}

/**
 * A training step compiled to one ONNX graph (forward, loss, backward, update): each `step` is
 * one `session.run`. Pure: the state goes in and the next state comes out.
 */
export class OnnxTrainer {
  readonly program: Program;
  readonly compiled: CompiledGraph;
  private readonly optimizer;

  /** The K-step Loop graph `runSteps` uses, compiled on first use. */
  private loop: CompiledGraph | undefined;
  readonly stepsPerRun: number;

  constructor(
    readonly spec: TrainStepSpec,
    private readonly options: OnnxTrainerOptions = {},
  ) {
    this.optimizer = resolveOptimizer(spec.optimizer);
    this.program = trainStepProgram({ ...spec, optimizer: this.optimizer });
    const { stepsPerRun = 1, ...session } = options;
    if (!Number.isInteger(stepsPerRun) || stepsPerRun < 1) {
      throw new ReptileError(`stepsPerRun must be a positive integer, got ${stepsPerRun}`, {
        where: this.program.name,
      });
    }
    this.stepsPerRun = stepsPerRun;
    this.compiled = compileProgram(this.program, { exactOutputShapes: false, ...session });
  }

  init(params: readonly TypedArray[]): OnnxTrainerState {
    if (params.length !== this.spec.params.length) {
      throw new ReptileError(`got ${params.length} params, the model has ${this.spec.params.length}`, {
        where: this.program.name,
      });
    }
    const tensors = this.spec.params.map((p, i) =>
      Tensor.fromData(params[i]!, p.shape, p.dtype ?? 'float32'),
    );
    const leaves = flattenState(this.optimizer.init(tensors).inner).map((l) => l.tensor);
    return { params: [...params], step: 0, optimizer: realize(leaves, new ReferenceBackend()) };
  }

  step(state: OnnxTrainerState, x: TypedArray, y: TypedArray): { state: OnnxTrainerState; loss: number } {
    return this.split(this.compiled.runSync(this.feeds(state, x, y)), state);
  }

  async stepAsync(
    state: OnnxTrainerState,
    x: TypedArray,
    y: TypedArray,
  ): Promise<{ state: OnnxTrainerState; loss: number }> {
    return this.split(await this.compiled.runAsync(this.feeds(state, x, y)), state);
  }

  /**
   * `stepsPerRun` steps in one `session.run`: `xs` and `ys` hold that many batches end to end
   * (batch k at offset k·batch size). Equals as many `step` calls bit for bit; `losses[k]` is
   * step k's loss.
   */
  runSteps(
    state: OnnxTrainerState,
    xs: TypedArray,
    ys: TypedArray,
  ): { state: OnnxTrainerState; losses: number[] } {
    const k = this.stepsPerRun;
    this.loop ??= this.compileLoop();
    const lrs = Float64Array.from({ length: k }, (_, i) => this.optimizer.learningRate(state.step + i));
    const out = this.loop.runSync([
      ...state.params,
      ...state.optimizer,
      xs,
      ys,
      Float64Array.of(state.step + 1),
      lrs,
    ]);
    const n = state.params.length;
    return {
      state: { params: out.slice(0, n), step: state.step + k, optimizer: out.slice(n, out.length - 1) },
      losses: Array.from(out[out.length - 1]!),
    };
  }

  release(): void {
    this.compiled.release();
    this.loop?.release();
  }

  private compileLoop(): CompiledGraph {
    const k = this.stepsPerRun;
    const { stepsPerRun: _, ...session } = this.options;
    const { model, origin } = trainLoopModel({ ...this.spec, optimizer: this.optimizer }, k, session);
    // the same inputs and outputs as one step, with x, y, lr and loss stacked K deep
    const stacked = new Set(['x', 'y', 'lr', 'loss']);
    const io = (list: Program['inputs']): IoSpec[] =>
      ioSpecs(list).map((s) => (stacked.has(s.name) ? { ...s, shape: [k, ...s.shape] } : s));
    return new CompiledGraph(
      model,
      io(this.program.inputs),
      io(this.program.outputs),
      origin,
      session,
      `${this.program.name} (${k} steps per run)`,
    );
  }

  private feeds(state: OnnxTrainerState, x: TypedArray, y: TypedArray): TypedArray[] {
    const lr = this.optimizer.learningRate(state.step);
    return [...state.params, ...state.optimizer, x, y, Float64Array.of(state.step + 1), Float64Array.of(lr)];
  }

  private split(out: TypedArray[], state: OnnxTrainerState): { state: OnnxTrainerState; loss: number } {
    const n = state.params.length;
    return {
      state: { params: out.slice(0, n), step: state.step + 1, optimizer: out.slice(n, out.length - 1) },
      loss: out[out.length - 1]![0]!,
    };
  }
}
