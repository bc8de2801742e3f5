import {
  flattenState,
  ReferenceBackend,
  ReptileError,
  realize,
  resolveOptimizer,
  Tensor,
  type TypedArray,
} from '@reptile/core';
import { type TrainStepSpec, trainStepProgram } from '../export/train-step.ts';
import { compileProgram, type Program } from '../program.ts';
import type { CompiledGraph } from '../runtime/compiled.ts';
import type { OnnxRunOptions } from './onnx-optimizer.ts';

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

  constructor(
    readonly spec: TrainStepSpec,
    options: OnnxRunOptions = {},
  ) {
    this.optimizer = resolveOptimizer(spec.optimizer);
    this.program = trainStepProgram({ ...spec, optimizer: this.optimizer });
    this.compiled = compileProgram(this.program, { exactOutputShapes: false, ...options });
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

  release(): void {
    this.compiled.release();
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
