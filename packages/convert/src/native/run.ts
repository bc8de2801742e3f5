import { fail, type Tensor } from '@reptile/core';
import type { ModelFormat } from '../formats.ts';
import { evaluateOn } from '../frontends.ts';
import { type ModelInput, openModel } from '../open.ts';

/**
 * Runs a model file on the runtime it was made for — onnxruntime for .onnx, tfjs-layers for a
 * tfjs folder, PyTorch for .pt, Reptile's reference frontend for .reptile.json — with inputs in
 * the model's input order. This is what `--verify` compares: each file as its own users would
 * run it, not both through Reptile.
 */
export async function runNatively(
  path: string,
  format: ModelFormat,
  declared: readonly ModelInput[],
  inputs: readonly Tensor[],
): Promise<Tensor[]> {
  if (declared.length !== inputs.length)
    fail(`the model takes ${declared.length} inputs, got ${inputs.length}`, { where: path });
  switch (format) {
    case 'onnx': {
      const { runWithOnnxRuntime } = await import('./onnxruntime.ts');
      const out = await runWithOnnxRuntime(
        path,
        Object.fromEntries(declared.map((d, i) => [d.name, inputs[i]!])),
      );
      return Object.values(out);
    }
    case 'tfjs': {
      const { runWithTfjsLayers } = await import('./tfjs.ts');
      return runWithTfjsLayers(path, inputs);
    }
    case 'torchscript': {
      const { runWithTorch } = await import('./torchscript.ts');
      return runWithTorch(path, inputs);
    }
    case 'reptile': {
      const model = await openModel(path, 'reptile');
      const out = model.forward(Object.fromEntries(declared.map((d, i) => [d.name, inputs[i]!])));
      return evaluateOn('reference', Object.values(out));
    }
  }
}
