import { fail, Tensor } from '@reptile/core';
import {
  DEFAULT_LIMITS,
  interpretGraph,
  type OnnxModelDescription,
  protocolDType,
  Value,
} from '@reptile/onnx';

/** The batch size a symbolic batch dimension is probed with (not 1, so batch axes stand out). */
export const PROBE_BATCH = 2;

/**
 * The full shape of every value in the graph for a probe batch, found by interpreting the graph
 * lazily: shapes come from the protocol's static shape inference, so no kernel runs except the
 * small shape computations exporters emit (Shape → Gather → Concat chains).
 */
export function probeShapes(model: OnnxModelDescription): Map<string, readonly number[]> {
  const inputs: Record<string, Tensor> = {};
  for (const info of model.inputs) {
    const where = `${model.source}: input '${info.name}'`;
    const dims =
      info.dims ?? fail('declares no shape', { where, hint: 'export the model with input shapes' });
    const shape = dims.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) return PROBE_BATCH;
      return fail(`dimension ${i} is symbolic ('${d ?? '?'}'); only the batch dimension may be`, {
        where,
        hint: 'export with fixed per-sample dimensions (e.g. no dynamic_axes beyond the batch)',
      });
    });
    inputs[info.name] = Tensor.zeros(shape, protocolDType(info.elem));
  }
  const initializers = new Map([...model.initializers].map(([name, host]) => [name, Value.host(host)]));
  const everything: OnnxModelDescription = {
    ...model,
    outputs: model.nodes.flatMap((n) =>
      n.outputs.filter((o) => o !== '').map((name) => ({ name, elem: 'float32' as const, dims: undefined })),
    ),
  };
  const values = interpretGraph(everything, initializers, inputs, DEFAULT_LIMITS.maxElements);
  const shapes = new Map<string, readonly number[]>();
  for (const [name, t] of Object.entries(inputs)) shapes.set(name, t.shape);
  for (const [name, t] of Object.entries(values)) shapes.set(name, t.shape);
  for (const [name, host] of model.initializers) shapes.set(name, host.dims);
  return shapes;
}
