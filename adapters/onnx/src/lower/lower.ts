import { type Node, primName, ReptileError } from '@reptile/core';
import { attr, GraphBuilder, valueInfo } from '../proto/graph-builder.ts';
import type { ModelObject } from '../proto/schema.ts';
import { tensorProto, zerosOf } from '../proto/tensor.ts';
import type { Accumulate, LowerOptions } from './context.ts';
import { fusionUnits, type Unit } from './fuse.ts';
import { planLowering } from './plan.ts';
import { emitScan } from './scan.ts';
import { LOWERINGS } from './table.ts';
import { ONNX_IR_VERSION, ONNX_OPSET, PRODUCER_NAME, PRODUCER_VERSION } from './versions.ts';

export interface LowerSpec {
  readonly outputs: readonly Node[];
  /** One ONNX graph output name per output (unique). */
  readonly outputNames: readonly string[];
  /**
   * Leaves fed at run time, with their graph input names, in the order the graph declares them.
   * Every other leaf (constants, nodes with a cached value) is embedded as an initializer.
   */
  readonly inputs: readonly { readonly node: Node; readonly name: string }[];
  readonly graphName?: string;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface LoweredModel {
  readonly model: ModelObject;
  /** ONNX node name → the IR node it lowers ("div int32[3] (IR node 12)"), for error messages. */
  readonly origin: ReadonlyMap<string, string>;
}

/** A node with a host value: a constant, or a node an eager run already computed. */
export function isLeaf(n: Node): boolean {
  return n.cached !== undefined || n.op.kind === 'constant' || n.op.kind === 'input';
}

export function describeNode(n: Node): string {
  const name = n.op.kind === 'input' ? ` '${n.op.name}'` : '';
  return `${primName(n.op)}${name} ${n.dtype}[${n.shape.join(',')}] (IR node ${n.id})`;
}

function emptyTensor(b: GraphBuilder, node: Node): string {
  const zero = tensorProto('value', node.dtype, [1], zerosOf(node.dtype, 1));
  return b.op('ConstantOfShape', [b.int64s(node.shape)], [attr.tensor('value', zero)]);
}

/** Lowers the subgraph computing `spec.outputs` to one ONNX model (opset and IR pinned in versions.ts). */
export function lowerToModel(spec: LowerSpec, options: LowerOptions = {}): LoweredModel {
  if (
    spec.outputNames.length !== spec.outputs.length ||
    new Set(spec.outputNames).size !== spec.outputs.length
  ) {
    throw new ReptileError('every output needs one unique name', { where: 'onnx lowering' });
  }
  const accumulate: Accumulate = options.accumulate ?? 'float64';
  const b = new GraphBuilder();
  const ctx = { b, accumulate, fed: new Set(spec.inputs.map((i) => i.node)) };
  const values = new Map<Node, string>();
  for (const { node, name } of spec.inputs) {
    if (values.has(node)) throw new ReptileError(`node bound twice (as '${values.get(node)}' and '${name}')`);
    values.set(node, b.input(name, node.dtype, node.shape));
  }
  for (const name of spec.outputNames) b.claim(name);

  const bound = ctx.fed;
  const leafOrBound = (n: Node) => bound.has(n) || isLeaf(n);
  const plan = planLowering(spec.outputs, leafOrBound);
  const units: Unit[] =
    options.fuse === false
      ? plan.order.map((node) => ({ kind: 'node', node }))
      : fusionUnits(plan, spec.outputs, leafOrBound, options.fuse ?? {});
  let regions = 0;
  const stacked =
    options.exactOutputShapes === false ? new Map<Node, { name: string; shape: number[] }>() : undefined;
  units.forEach((unit, k) => {
    if (unit.kind === 'region') {
      emitScan(ctx, unit.region, plan.operands, values, describeNode, `r${regions++}`, stacked);
      return;
    }
    const node = unit.node;
    if (values.has(node)) return;
    if (node.op.kind === 'input' && node.cached === undefined) {
      throw new ReptileError(
        `graph input '${node.op.name}' ${node.dtype}[${node.shape.join(',')}] has no value`,
        {
          where: 'onnx lowering',
          hint: 'bind every placeholder the outputs depend on',
        },
      );
    }
    b.setScope(`${primName(node.op)}_${k}`, describeNode(node));
    if (node.size === 0 && !isLeaf(node)) {
      // An empty result has no values to compute. Emitting it directly also sidesteps an
      // onnxruntime 1.30 optimizer bug that turns Expand([1] → [0]) into a one-element tensor.
      values.set(node, emptyTensor(b, node));
      return;
    }
    const x = isLeaf(node) ? [] : plan.operands.get(node)!.map((i) => values.get(i)!);
    const rule = isLeaf(node) ? LOWERINGS.constant : LOWERINGS[primName(node.op)];
    values.set(node, rule(ctx, node, x));
  });

  // Name each output: rename the value in place when a node of ours produced it, else copy it.
  const producer = new Map<string, { output: string[] }>();
  for (const n of b.nodes) for (const o of n.output) producer.set(o, n);
  const renamed = new Map<string, string>();
  spec.outputs.forEach((node, i) => {
    const name = spec.outputNames[i]!;
    const flat = stacked?.get(node);
    const value = flat?.name ?? values.get(node)!;
    b.setScope(`output_${i}`, `graph output '${name}'`);
    if (producer.has(value) && !renamed.has(value)) renamed.set(value, name);
    else
      b.nodes.push({
        name: b.fresh(`output_${i}/Identity`),
        op_type: 'Identity',
        input: [value],
        output: [name],
        attribute: [],
      });
    b.outputs.push(valueInfo(name, node.dtype, flat?.shape ?? node.shape));
  });
  if (renamed.size > 0) {
    for (const n of b.nodes) {
      n.input = n.input.map((v) => renamed.get(v) ?? v);
      n.output = n.output.map((v) => renamed.get(v) ?? v);
    }
  }

  const model: ModelObject = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: PRODUCER_NAME,
    producer_version: PRODUCER_VERSION,
    graph: b.graph(spec.graphName ?? 'reptile'),
    metadata_props: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  if (spec.docString) model.doc_string = spec.docString;
  return { model, origin: b.origin };
}
