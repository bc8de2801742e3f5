import { extname } from 'node:path';
import { fail, Tensor, trace } from '@reptile/core';
import { type Program, writeProgram } from '@reptile/onnx';
import type { Model } from '../model/model.ts';

/** Options of `onnxProgram` and `exportOnnx`. */
export interface OnnxExportOptions {
  /**
   * The fixed batch dimension of the graph's `input` (default 1). Reptile's IR has static
   * shapes, so the traced graph is specialised to one batch size: feed exactly this many rows
   * per run (pad the last chunk, as `predictWithOnnx` does).
   */
  readonly batchSize?: number;
}

/**
 * The model's inference pass as an ONNX program: input `input` float32[batch, ...features],
 * output `output` float32[batch, ...outputs] — exactly what `model.predict` returns (input
 * normalisation with the training statistics first, output activation such as softmax last).
 * The trained weights are constants, so they become initializers.
 */
export function onnxProgram(model: Model, options: OnnxExportOptions = {}): Program {
  const batch = options.batchSize ?? 1;
  if (!Number.isInteger(batch) || batch < 1)
    fail(`batchSize ${batch} must be a positive integer`, { where: 'ONNX export options.batchSize' });
  const weights =
    model.weightValues ??
    fail('the model has no weights yet', {
      where: 'ONNX export',
      hint: 'fit (or build/load) it before exporting',
    });
  const params = model.params.map((p, i) => Tensor.fromData(weights[i]!, p.shape, p.dtype));
  const forward = model.forward(false);
  const graph = trace(
    [{ name: 'input', shape: [batch, ...model.network.inputShape], dtype: 'float32' }],
    (x) => ({
      output: forward(params, x),
    }),
  );
  return {
    name: 'reptile.model',
    inputs: [{ name: 'input', node: graph.inputs[0]! }],
    outputs: [{ name: 'output', node: graph.outputs[0]! }],
    doc: 'Reptile model inference: input normalisation, layers, output activation (as model.predict).',
    metadata: {
      'reptile.kind': 'model',
      'reptile.model': JSON.stringify(model.getConfig()),
      'reptile.batch_size': String(batch),
    },
  };
}

/** Writes the model's inference graph to `path` (.onnx) atomically; see onnxProgram. */
export async function exportOnnx(model: Model, path: string, options: OnnxExportOptions = {}): Promise<void> {
  if (extname(path).toLowerCase() !== '.onnx')
    fail(`an ONNX model file must end in .onnx, got '${extname(path) || '(no extension)'}'`, {
      where: path,
      hint: "name it e.g. 'model.onnx'",
    });
  writeProgram(path, onnxProgram(model, options));
}
