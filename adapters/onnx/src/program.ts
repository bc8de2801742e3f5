import { type DType, type Node, ReptileError, Tensor } from '@reptile/core';
import type { LowerOptions } from './lower/context.ts';
import { type LoweredModel, lowerToModel } from './lower/lower.ts';
import { CompiledGraph } from './runtime/compiled.ts';
import type { SessionConfig } from './runtime/session.ts';

/**
 * A traced program with named inputs and outputs: what an exported artifact holds and what a
 * compiled step runs. Unlike the backend's anonymous subgraphs, constants stay inside the graph
 * (initializers); only the named inputs are fed.
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

/** Shape and dtype of one named tensor (a parameter, a batch). */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;

/** Checks user-given names (they become ONNX value names) and returns placeholders for them. */
export function placeholders(specs: readonly TensorSpec[], prefix: string, where: string): Tensor[] {
  const seen = new Set<string>();
  return specs.map((s, i) => {
    if (typeof s.name !== 'string' || !NAME.test(s.name)) {
      throw new ReptileError(`name ${JSON.stringify(s.name)} is not a valid tensor name`, {
        where: `${where}[${i}].name`,
        hint: 'use letters, digits, _ . : / - (starting with a letter or _)',
      });
    }
    if (seen.has(s.name))
      throw new ReptileError(`duplicate name '${s.name}'`, { where: `${where}[${i}].name` });
    seen.add(s.name);
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ReptileError(`shape ${JSON.stringify(s.shape)} must list non-negative integers`, {
        where: `${where}[${i}].shape`,
      });
    }
    return Tensor.placeholder(`${prefix}${s.name}`, s.shape, s.dtype ?? 'float32');
  });
}

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

/** Lowers and binds a program to onnxruntime (the session is built on first run and reused). */
export function compileProgram(program: Program, options: SessionConfig & LowerOptions = {}): CompiledGraph {
  const { model, origin } = programModel(program, options);
  const io = (list: Program['inputs']) =>
    list.map(({ name, node }) => ({ name, dtype: node.dtype, shape: node.shape }));
  return new CompiledGraph(model, io(program.inputs), io(program.outputs), origin, options, program.name);
}
