import type { NamedTensorSpec, Node } from '@reptile/core';
import type { LowerOptions } from './lower/context.ts';
import { type LoweredModel, lowerToModel } from './lower/lower.ts';
import { CompiledGraph, type IoSpec } from './runtime/compiled.ts';
import type { SessionConfig } from './runtime/session.ts';

/**
 * A traced program with named inputs and outputs (core's TracedProgram) plus what the ONNX
 * model stores about it: what an exported artifact holds and what a compiled step runs. Unlike
 * the backend's anonymous subgraphs, constants stay inside the graph (initializers); only the
 * named inputs are fed.
 */
export interface Program {
  /** Graph name, e.g. "reptile.optimizer_step.adam". */
  readonly name: string;
  readonly inputs: readonly { readonly name: string; readonly node: Node }[];
  readonly outputs: readonly { readonly name: string; readonly node: Node }[];
  readonly doc?: string;
  /** Stored as the model's metadata_props (e.g. the optimizer config as JSON). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Shape and dtype of one named tensor (a parameter, a batch); core's NamedTensorSpec. */
export type TensorSpec = NamedTensorSpec;

export function programModel(program: Program, options: LowerOptions = {}): LoweredModel {
  const spec = {
    outputs: program.outputs.map((o) => o.node),
    outputNames: program.outputs.map((o) => o.name),
    inputs: program.inputs,
    graphName: program.name,
    ...(program.metadata ? { metadata: program.metadata } : {}),
    ...(program.doc ? { docString: program.doc } : {}),
  };
  return lowerToModel(spec, options);
}

/** The name, dtype and shape of each of a program's inputs or outputs, as CompiledGraph checks them. */
export function ioSpecs(list: Program['inputs']): IoSpec[] {
  return list.map(({ name, node }) => ({ name, dtype: node.dtype, shape: node.shape }));
}

/** Lowers and binds a program to onnxruntime (the session is built on first run and reused). */
export function compileProgram(program: Program, options: SessionConfig & LowerOptions = {}): CompiledGraph {
  return bindProgram(program, programModel(program, options), options);
}

/** Binds an already lowered program to onnxruntime, for callers that also read its ONNX graph. */
export function bindProgram(
  program: Program,
  lowered: LoweredModel,
  options: SessionConfig = {},
): CompiledGraph {
  const { model, origin } = lowered;
  return new CompiledGraph(
    model,
    ioSpecs(program.inputs),
    ioSpecs(program.outputs),
    origin,
    options,
    program.name,
  );
}
