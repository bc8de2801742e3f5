import type { DType } from '../dtype.ts';
import { ReptileError } from '../errors.ts';
import type { Node } from '../ir/node.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Graph } from '../tensor/trace.ts';

/** Shape and dtype of one named tensor (a parameter, a batch). dtype defaults to float32. */
export interface NamedTensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

/** Shape and dtype of a tensor whose name the program fixes (y_true, x, weights). */
export interface ShapeSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

/** One named graph input or output. */
export interface NamedNode {
  readonly name: string;
  readonly node: Node;
}

/**
 * A traced program with named inputs and outputs, before any frontend lowers it. The names are
 * the documented artifact signature (params.<name>, state.<path>, step, lr, new_..., loss), the
 * same on every frontend, so a recipe exported to ONNX and to TorchScript is called alike.
 */
export interface TracedProgram {
  readonly inputs: readonly NamedNode[];
  readonly outputs: readonly NamedNode[];
}

/** The program as core's Graph (input order kept; outputs named). */
export function programGraph(program: TracedProgram): Graph {
  return {
    inputs: program.inputs.map((i) => i.node),
    outputs: program.outputs.map((o) => o.node),
    outputNames: program.outputs.map((o) => o.name),
  };
}

/** Pairs each tensor with its name, as program inputs or outputs. */
export function named(names: readonly string[], tensors: readonly Tensor[]): NamedNode[] {
  return tensors.map((t, i) => ({ name: names[i]!, node: t.node }));
}

// Names become ONNX value names and TorchScript argument names; this is what both accept.
const NAME = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/;

/** Checks user-given names and shapes and returns placeholders named `<prefix><name>`. */
export function placeholders(specs: readonly NamedTensorSpec[], prefix: string, where: string): Tensor[] {
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
