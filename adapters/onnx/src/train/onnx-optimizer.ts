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
import { ChunkedStep, type ChunkedStepOptions, DEFAULT_CHUNK_ELEMENTS } from './chunked-step.ts';
import { overlaps } from './in-place.ts';

/** Optimizer state on the host: the update count and the state tensors in graph-input order. */
export interface OnnxOptimizerState {
  readonly step: number;
  readonly tensors: readonly TypedArray[];
}

export type OnnxRunOptions = SessionConfig &
  LowerOptions & {
    /**
     * OnnxOptimizer.stepInPlace only: elements per `session.run` when the parameters hold more
     * than this in total and the update is elementwise (see ChunkedStep, docs/onnx.md "Chunked optimizer
     * steps"). Default 262144; 0 runs every step as one whole-tensor run.
     */
    readonly chunkElements?: number;
    /** How chunked steps run (prelude, direct writes); the defaults are the fastest measured. */
    readonly chunkOptions?: ChunkedStepOptions;
  };

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
  /** The chunked runner `stepInPlace` uses, when the parameters are large and the update elementwise. */
  readonly chunked: ChunkedStep | undefined;

  constructor(
    optimizerOrConfig: unknown,
    readonly params: readonly TensorSpec[],
    options: OnnxRunOptions = {},
  ) {
    this.optimizer = resolveOptimizer(optimizerOrConfig);
    this.program = optimizerStepProgram(this.optimizer, params);
    this.stateNames = this.program.inputs.filter((i) => i.name.startsWith('state.')).map((i) => i.name);
    // outputs are read as flat arrays, so fused outputs may skip the reshape copy
    const { chunkElements = DEFAULT_CHUNK_ELEMENTS, chunkOptions = {}, ...session } = options;
    this.compiled = compileProgram(this.program, { exactOutputShapes: false, ...session });
    const total = params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    this.chunked =
      chunkElements > 0 && total > chunkElements
        ? ChunkedStep.create(this.optimizer, this.program, params, chunkElements, session, chunkOptions)
        : undefined;
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

  /**
   * `step`, but writing the new parameters and state over `params` and `state.tensors` (as
   * torch.optim does) instead of into fresh arrays, and returning the advanced state (same arrays).
   * Fresh 10M-element outputs cost more in page faults than the update itself (docs/onnx.md,
   * "Chunked optimizer steps"). Inputs are checked before anything is written; the update is not
   * atomic only if onnxruntime itself fails part-way through a chunked step (chunks already run,
   * and with direct writes part of the failing one, keep their update).
   */
  stepInPlace(
    params: readonly TypedArray[],
    grads: readonly TypedArray[],
    state: OnnxOptimizerState,
  ): OnnxOptimizerState {
    const values = this.feeds(params, grads, state);
    this.compiled.checkValues(values);
    const targets = [...params, ...state.tensors];
    checkDisjoint(targets, grads, this.program.name);
    if (this.chunked) {
      this.chunked.runSync(values, targets);
    } else {
      const results = this.compiled.runSync(values);
      targets.forEach((t, i) => {
        t.set(results[i]!);
      });
    }
    return { step: state.step + 1, tensors: state.tensors };
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
    this.chunked?.release();
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

/** An in-place update needs every target to be its own memory, and no gradient to share it. */
function checkDisjoint(targets: readonly TypedArray[], grads: readonly TypedArray[], where: string): void {
  targets.forEach((t, i) => {
    const clash = [...targets.slice(i + 1), ...grads].findIndex((o) => overlaps(t, o));
    if (clash >= 0) {
      throw new ReptileError('stepInPlace got arrays that share memory', {
        where,
        hint: 'give every parameter, state tensor and gradient its own array (copy with .slice())',
      });
    }
  });
}
