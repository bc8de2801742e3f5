import { type Node, primName } from '@reptile/core';
import { attr, GraphBuilder, valueInfo } from '../proto/graph-builder.ts';
import type { LowerContext } from './context.ts';
import type { Region } from './fuse.ts';
import { LOWERINGS } from './table.ts';

/**
 * Emits one fused region as a Scan over chunks (see fuse.ts). Outside the loop: each chunked
 * input is reshaped to [chunks, chunk] (a view) and each scalar input to rank 0. The body lowers
 * the region's nodes with the ordinary rules on [chunk]-shaped values; the stacked outputs are
 * reshaped back to the region's shape.
 */
export function emitScan(
  ctx: LowerContext,
  region: Region,
  operands: ReadonlyMap<Node, readonly Node[]>,
  values: Map<Node, string>,
  describe: (n: Node) => string,
  tag: string,
  /** Receives the stacked [chunks, chunk] value of each output, for graph outputs that may keep it. */
  stackedOut?: Map<Node, { name: string; shape: number[] }>,
): void {
  const outer = ctx.b;
  const size = region.nodes[0]!.size;
  const chunks = size / region.chunk;
  outer.setScope(
    `fused_${tag}`,
    `fused elementwise region of ${region.nodes.length} nodes over [${region.shape.join(',')}]`,
  );
  const body = new GraphBuilder(outer);
  const bodyCtx: LowerContext = { ...ctx, b: body };
  const local = new Map<Node, string>();
  const scanInputs = region.big.map((n) => {
    const name = body.fresh(`${tag}_in`);
    body.inputs.push(valueInfo(name, n.dtype, [region.chunk]));
    local.set(n, name);
    return outer.op('Reshape', [values.get(n)!, outer.int64s([chunks, region.chunk])]);
  });
  for (const n of region.small) local.set(n, outer.op('Reshape', [values.get(n)!, outer.int64s([])]));
  region.nodes.forEach((n, k) => {
    body.setScope(`${tag}_${primName(n.op)}_${k}`, describe(n));
    local.set(
      n,
      LOWERINGS[primName(n.op)](
        bodyCtx,
        n,
        operands.get(n)!.map((o) => local.get(o)!),
      ),
    );
  });
  for (const n of region.outputs) {
    let v = local.get(n)!;
    // a body output must be produced inside the body, once per output
    if (!body.nodes.some((x) => x.output.includes(v)) || body.outputs.some((o) => o.name === v))
      v = body.op('Identity', [v]);
    body.outputs.push(valueInfo(v, n.dtype, [region.chunk]));
  }
  const graph = body.graph(`${tag}_body`);
  const stacked = region.outputs.map(() => outer.fresh(`${tag}_out`));
  outer.nodes.push({
    name: outer.fresh(`fused_${tag}/Scan`),
    op_type: 'Scan',
    input: scanInputs,
    output: stacked,
    attribute: [attr.graph('body', graph), attr.int('num_scan_inputs', scanInputs.length)],
  });
  region.outputs.forEach((n, i) => {
    if (stackedOut) {
      stackedOut.set(n, { name: stacked[i]!, shape: [chunks, region.chunk] });
      // the reshape back to the region's shape is a copy onnxruntime cannot elide for a graph output
      if (!region.readByNodes.has(n)) return;
    }
    values.set(n, outer.op('Reshape', [stacked[i]!, outer.int64s(region.shape)]));
  });
}
