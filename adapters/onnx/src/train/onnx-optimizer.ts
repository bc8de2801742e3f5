import {
  flattenState,
  type Optimizer,
  type OptimizerState,
  ReferenceBackend,
  ReptileError,
  realize,
  rebuildState,
  resolveOptimizer,
  Tensor,
  type TypedArray,
} from '@reptile/core';
import { optimizerStepProgram } from '../export/optimizer-step.ts';
import type { LowerOptions } from '../lower/context.ts';
import { compileProgram, type Program, type TensorSpec } from '../program.ts';
import type { CompiledGraph } from '../runtime/compiled.ts';
import type { SessionConfig } from '../runtime/session.ts';

/** Optimizer state on the host: the update count and the state tensors in graph-input order. */
export interface OnnxOptimizerState {
  readonly step: number;
  readonly tensors: readonly TypedArray[];
}

export type OnnxRunOptions = SessionConfig & LowerOptions;

/**
 * An optimizer compiled to one ONNX graph for a fixed list of parameters: each `step` is exactly
 * one `session.run` updating every parameter and state tensor (fused), with the session built once.
 * Pure like core's optimizers: state goes in and a new state comes out.
 */
export class OnnxOptimizer {
  readonly optimizer: Optimizer;
  readonly program: Program;
  readonly compiled: CompiledGraph;
  /** `state.<path>` names, the order of OnnxOptimizerState.tensors. */
  readonly stateNames: readonly string[];

  constructor(
    optimizerOrConfig: unknown,
    readonly params: readonly TensorSpec[],
    options: OnnxRunOptions = {},
  ) {
    this.optimizer = resolveOptimizer(optimizerOrConfig);
    this.program = optimizerStepProgram(this.optimizer, params);
    this.stateNames = this.program.inputs.filter((i) => i.name.startsWith('state.')).map((i) => i.name);
    // outputs are read as flat arrays, so fused outputs may skip the reshape copy
    this.compiled = compileProgram(this.program, { exactOutputShapes: false, ...options });
  }

  init(params: readonly TypedArray[]): OnnxOptimizerState {
    this.checkCount(params, 'params');
    const inner = this.optimizer.init(this.tensors(params)).inner;
    return {
      step: 0,
      tensors: realize(
        flattenState(inner).map((l) => l.tensor),
        new ReferenceBackend(),
      ),
    };
  }

  step(
    params: readonly TypedArray[],
    grads: readonly TypedArray[],
    state: OnnxOptimizerState,
  ): { params: TypedArray[]; state: OnnxOptimizerState } {
    return this.split(this.compiled.runSync(this.feeds(params, grads, state)), state);
  }

  async stepAsync(
    params: readonly TypedArray[],
    grads: readonly TypedArray[],
    state: OnnxOptimizerState,
  ): Promise<{ params: TypedArray[]; state: OnnxOptimizerState }> {
    return this.split(await this.compiled.runAsync(this.feeds(params, grads, state)), state);
  }

  /** As core's OptimizerState (e.g. for serializeOptimizerState); `params` give the layout. */
  toOptimizerState(state: OnnxOptimizerState, params: readonly TypedArray[]): OptimizerState {
    const template = this.optimizer.init(this.tensors(params)).inner;
    const tensors = flattenState(template).map((l, i) =>
      Tensor.fromData(state.tensors[i]!, l.tensor.shape, l.tensor.dtype),
    );
    return { step: state.step, inner: rebuildState(template, tensors) };
  }

  fromOptimizerState(state: OptimizerState): OnnxOptimizerState {
    return {
      step: state.step,
      tensors: realize(
        flattenState(state.inner).map((l) => l.tensor),
        new ReferenceBackend(),
      ),
    };
  }

  release(): void {
    this.compiled.release();
  }

  private tensors(values: readonly TypedArray[]): Tensor[] {
    return this.params.map((p, i) => Tensor.fromData(values[i]!, p.shape, p.dtype ?? 'float32'));
  }

  private checkCount(values: readonly unknown[], what: string): void {
    if (!Array.isArray(values) || values.length !== this.params.length) {
      throw new ReptileError(
        `got ${Array.isArray(values) ? values.length : 'no'} ${what} for ${this.params.length} parameters`,
        {
          where: this.program.name,
          hint: `pass one value per parameter, in order: ${this.params.map((p) => p.name).join(', ')}`,
        },
      );
    }
  }

  private feeds(
    params: readonly TypedArray[],
    grads: readonly TypedArray[],
    state: OnnxOptimizerState,
  ): TypedArray[] {
    this.checkCount(params, 'params');
    this.checkCount(grads, 'gradients');
    if (state.tensors.length !== this.stateNames.length) {
      throw new ReptileError(
        `state holds ${state.tensors.length} tensors, the graph takes ${this.stateNames.length}`,
        {
          where: this.program.name,
          hint: 'pass the state returned by init() or the previous step()',
        },
      );
    }
    const lr = this.optimizer.learningRate(state.step);
    return [...params, ...grads, ...state.tensors, Float64Array.of(state.step + 1), Float64Array.of(lr)];
  }

  private split(out: TypedArray[], state: OnnxOptimizerState) {
    const n = this.params.length;
    return { params: out.slice(0, n), state: { step: state.step + 1, tensors: out.slice(n) } };
  }
}
