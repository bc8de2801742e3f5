import {
  type DType,
  named,
  type OptimizerConfig,
  type Shape,
  Tensor,
  type TracedProgram,
  traceTrainStep,
} from '@reptile/core';
import type { CallContext } from '@reptile/layers';
import type { ParamSpec, TrainProgram } from './frontend.ts';

/** One uniform-noise input of a traced step (a Dropout mask), fed fresh every step. */
export interface NoiseSpec {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * A whole training step of a TrainProgram as one traced program (core's traceTrainStep, which
 * the ONNX and TorchScript artifacts also use), extended with what a model needs beyond a bare
 * function of its params:
 *
 *   inputs  params.<trainable>…, state.<path>…, x, y, step, lr, fixed.<non-trainable>…, noise.<k>…
 *   outputs new_params.<trainable>…, new_state.<path>…, loss, output, update.<non-trainable>…
 *
 * Non-trainable params (BatchNorm moving statistics) are inputs the optimizer never sees; their
 * new values (ctx.updates) are outputs. Every `ctx.uniform` call becomes a `noise.<k>` input, so
 * the host feeds fresh masks each step and nothing random freezes into a constant.
 */
export interface StepGraph {
  readonly program: TracedProgram;
  readonly stateNames: readonly string[];
  /** Program param indices the optimizer updates, in input order. */
  readonly trainable: readonly number[];
  /** Program param indices fed as `fixed.<name>`. */
  readonly fixed: readonly number[];
  readonly noise: readonly NoiseSpec[];
  /** Program param index of each `update.<name>` output. */
  readonly updated: readonly number[];
}

export interface BatchSignature {
  readonly xDType: DType;
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
  readonly yDType: DType;
}

export function traceStep(
  program: TrainProgram,
  optimizer: OptimizerConfig,
  batch: BatchSignature,
): StepGraph {
  const specs = program.params;
  const trainable = specs.flatMap((p, i) => (p.trainable ? [i] : []));
  const fixed = specs.flatMap((p, i) => (p.trainable ? [] : [i]));
  const fixedInputs = fixed.map((i) => placeholder(`fixed.${specs[i]!.name}`, specs[i]!));
  const noise: NoiseSpec[] = [];
  const noiseInputs: Tensor[] = [];
  const updates = new Map<string, Tensor>();
  const ctx: CallContext = {
    training: true,
    uniform: (shape, dtype) => {
      const t = Tensor.placeholder(`noise.${noise.length}`, shape, dtype);
      noise.push({ shape: [...shape], dtype });
      noiseInputs.push(t);
      return t;
    },
    updates,
  };
  let output: Tensor | undefined;
  const trace = traceTrainStep({
    params: trainable.map((i) => ({ name: specs[i]!.name, shape: specs[i]!.shape, dtype: specs[i]!.dtype })),
    x: { shape: batch.xShape, dtype: batch.xDType },
    y: { shape: batch.yShape, dtype: batch.yDType },
    forward: (trained, x) => {
      const all: Tensor[] = new Array(specs.length);
      trainable.forEach((p, k) => {
        all[p] = trained[k]!;
      });
      fixed.forEach((p, k) => {
        all[p] = fixedInputs[k]!;
      });
      output = program.forward(all, x, ctx);
      return output;
    },
    loss: program.loss,
    optimizer,
    regularizers: program.regularizers.map((r) => ({ regularizer: r.regularizer, params: r.params })),
  });
  const names = specs.map((p) => p.name);
  const updated = [...updates.keys()].flatMap((name) => {
    const at = names.indexOf(name);
    return at >= 0 ? [at] : [];
  });
  return {
    program: {
      inputs: [
        ...trace.program.inputs,
        ...named(
          fixed.map((i) => `fixed.${names[i]}`),
          fixedInputs,
        ),
        ...named(
          noise.map((_, k) => `noise.${k}`),
          noiseInputs,
        ),
      ],
      outputs: [
        ...trace.program.outputs,
        ...named(['output'], [output!]),
        ...named(
          updated.map((i) => `update.${names[i]}`),
          updated.map((i) => updates.get(names[i]!)!),
        ),
      ],
    },
    stateNames: trace.stateNames,
    trainable,
    fixed,
    noise,
    updated,
  };
}

/** Inference as a traced program: inputs params.<name>… and x, output `output`. */
export function traceInference(
  forward: (params: readonly Tensor[], x: Tensor) => Tensor,
  params: readonly ParamSpec[],
  xShape: readonly number[],
  xDType: DType,
): TracedProgram {
  const inputs = params.map((p) => placeholder(`params.${p.name}`, p));
  const x = Tensor.placeholder('x', xShape, xDType);
  const out = forward(inputs, x);
  return {
    inputs: [
      ...named(
        params.map((p) => `params.${p.name}`),
        inputs,
      ),
      ...named(['x'], [x]),
    ],
    outputs: named(['output'], [out]),
  };
}

function placeholder(name: string, spec: ParamSpec): Tensor {
  return Tensor.placeholder(name, spec.shape, spec.dtype);
}
