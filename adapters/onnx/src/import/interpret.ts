import { ReptileError, Tensor } from '@reptile/core';
import { OpContext, type OpOutput } from './context.ts';
import type { OnnxModelDescription, OnnxNode } from './decode.ts';
import { OPS } from './ops/index.ts';
import { protocolDType, Value } from './value.ts';

/** Node types whose outputs depend only on input shapes, never on their data. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

/**
 * Evaluates the model's graph with the tensor protocol: the result tensors are lazy, so they run
 * on whichever backend realises them (reference, tfjs, onnx, torch). Nodes are visited in file
 * order, which ONNX requires to be topological.
 */
export function interpretGraph(
  model: OnnxModelDescription,
  initializers: ReadonlyMap<string, Value>,
  inputs: Readonly<Record<string, Tensor>>,
  maxElements: number,
): Record<string, Tensor> {
  const values = new Map<string, Value>(initializers);
  for (const info of model.inputs) {
    const t = inputs[info.name];
    const where = `${model.source}: input '${info.name}'`;
    if (!(t instanceof Tensor)) {
      throw new ReptileError('was not given', {
        where,
        hint: `pass every graph input: ${model.inputs.map((i) => i.name).join(', ')}`,
      });
    }
    if (t.dtype !== protocolDType(info.elem)) {
      throw new ReptileError(`has dtype ${t.dtype}, the model declares ${info.elem}`, {
        where,
        hint:
          info.elem === 'int64'
            ? 'int64 inputs are given as int32 tensors'
            : `cast it with .cast('${protocolDType(info.elem)}')`,
      });
    }
    const dims = info.dims;
    if (dims !== undefined) {
      const bad = dims.length !== t.rank || dims.some((d, i) => typeof d === 'number' && d !== t.shape[i]);
      if (bad) {
        throw new ReptileError(
          `has shape [${t.shape.join(',')}], the model declares [${dims.map((d) => d ?? '?').join(',')}]`,
          {
            where,
          },
        );
      }
    }
    // Inputs with concrete values (constants, realised tensors) may feed static reads such as
    // Reshape's shape: the graph is rebuilt per run, like eager execution. Placeholders and
    // unrealised lazy tensors are data the interpreter cannot see.
    const known = t.node.op.kind === 'constant' || t.node.cached !== undefined;
    values.set(info.name, Value.of(t, info.elem, !known));
  }
  for (const extra of Object.keys(inputs)) {
    if (!model.inputs.some((i) => i.name === extra)) {
      throw new ReptileError(`'${extra}' is not an input of the model`, {
        where: model.source,
        hint: `inputs are: ${model.inputs.map((i) => i.name).join(', ')}`,
      });
    }
  }
  for (const node of model.nodes) runNode(node, model, values, maxElements);
  const out: Record<string, Tensor> = {};
  for (const o of model.outputs) {
    const v = values.get(o.name);
    if (!v) throw new ReptileError(`output '${o.name}' is never produced`, { where: model.source });
    out[o.name] = v.tensor(`${model.source}: output '${o.name}'`);
  }
  return out;
}

function runNode(
  node: OnnxNode,
  model: OnnxModelDescription,
  values: Map<string, Value>,
  maxElements: number,
): void {
  const ctx = new OpContext(node, model.opset, (n) => values.get(n), maxElements, model.source);
  const impl = node.domain === '' || node.domain === 'ai.onnx' ? OPS[node.opType] : undefined;
  if (!impl) {
    throw new ReptileError(
      `operator ${node.domain ? `${node.domain}.` : ''}${node.opType} is not supported by the importer`,
      {
        where: `${model.source}: node ${node.index} '${node.name}'`,
        hint: 'see docs/onnx-import.md for the supported operators',
      },
    );
  }
  let outs: readonly OpOutput[];
  try {
    outs = impl(ctx);
  } catch (e) {
    if (e instanceof ReptileError) {
      throw e.message.includes(ctx.where) ? e : new ReptileError(e.message, { where: ctx.where, cause: e });
    }
    // A protocol precondition the op did not check itself: still a ReptileError naming the node.
    throw new ReptileError(`failed: ${(e as Error).message}`, {
      where: ctx.where,
      cause: e,
    });
  }
  const dynamic =
    !SHAPE_ONLY.has(node.opType) && node.inputs.some((n) => n !== '' && values.get(n)?.dynamic === true);
  node.outputs.forEach((name, i) => {
    if (name === '') return;
    const o = outs[i];
    if (o === undefined) ctx.fail(`output ${i} '${name}' is not produced by this implementation`);
    const v = o instanceof Tensor ? Value.of(o, inferElem(o, ctx), dynamic) : rewrap(o, dynamic, ctx.where);
    ctx.guard(v.shape);
    values.set(name, v);
  });
}

function inferElem(t: Tensor, ctx: OpContext): Value['elem'] {
  if (t.dtype !== 'int32') return t.dtype;
  const first = ctx.node.inputs.findIndex((n) => n !== '');
  return first >= 0 && ctx.elem(first) === 'int64' ? 'int64' : 'int32';
}

function rewrap(v: Value, dynamic: boolean, where: string): Value {
  if (!dynamic || v.dynamic) return v;
  // Ops return static-looking Values for convenience; dynamic-ness comes from the node's inputs.
  return Value.of(v.tensor(where), v.elem, true);
}
