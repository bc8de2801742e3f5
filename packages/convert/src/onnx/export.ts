import { fail, type Tensor, trace } from '@reptile/core';
import { type Functional, INFERENCE } from '@reptile/layers';
import { type Program, writeProgram } from '@reptile/onnx';

export interface OnnxModelExportOptions {
  /**
   * The batch dimension of every input (default 1). Reptile's IR has static shapes, so the
   * graph is specialised to one batch size; feed exactly this many samples per run.
   */
  readonly batchSize?: number;
}

/**
 * A portable model's inference pass as an ONNX program: one graph input per model input
 * ([batch, ...shape]) and one output per model output, under the model's own names. Weights
 * are traced as constants, so they become initializers; the model's config is kept in the
 * metadata ('reptile.model') for tools that want to see where the file came from.
 */
export function modelProgram(
  model: Functional,
  weights: readonly Tensor[],
  options: OnnxModelExportOptions = {},
): Program {
  const batch = options.batchSize ?? 1;
  if (!Number.isInteger(batch) || batch < 1)
    fail(`batchSize ${batch} must be a positive integer`, { where: 'ONNX export' });
  const specs = model.inputs.map((i) => ({ name: i.name, shape: [batch, ...i.shape], dtype: i.dtype }));
  const graph = trace(specs, (...xs) =>
    model.applyNamed(
      weights,
      Object.fromEntries(model.inputs.map((input, k) => [input.name, xs[k]!])),
      INFERENCE,
    ),
  );
  return {
    name: model.name,
    inputs: model.inputs.map((i, k) => ({ name: i.name, node: graph.inputs[k]! })),
    outputs: graph.outputNames.map((name, k) => ({ name, node: graph.outputs[k]! })),
    doc: 'Reptile portable model, inference pass (docs/models.md).',
    metadata: {
      'reptile.kind': 'model',
      'reptile.model': JSON.stringify(model.getConfig()),
      'reptile.batch_size': String(batch),
    },
  };
}

/** Writes the model as an .onnx file atomically (see modelProgram). */
export function exportOnnxModel(
  path: string,
  model: Functional,
  weights: readonly Tensor[],
  options: OnnxModelExportOptions = {},
): void {
  writeProgram(path, modelProgram(model, weights, options));
}
