import { fail } from '@reptile/core';
import { saveModel } from '@reptile/layers';
import { compareOutputs, type Difference } from './compare.ts';
import { formatOfPath, type ModelFormat } from './formats.ts';
import { runNatively } from './native/run.ts';
import { exportOnnxModel } from './onnx/export.ts';
import { fromBuilt, importPortable, openModel } from './open.ts';
import { type BuiltModel, buildPortable, type PortableModel } from './portable.ts';
import { randomInputs } from './random-inputs.ts';

export interface ConvertOptions {
  readonly from?: ModelFormat;
  readonly to?: ModelFormat;
  /** Run both files on the same random inputs, each on its own runtime, and compare. */
  readonly verify?: boolean;
  /** Largest allowed |a − b| / (1 + |b|) when verifying. Default 1e-4. */
  readonly tolerance?: number;
  /**
   * Batch size of the written graph where the format fixes it (ONNX; default 1), and of the
   * verification inputs (default: that batch size, else 2).
   */
  readonly batchSize?: number;
  readonly seed?: number;
}

export interface ConvertReport {
  readonly from: ModelFormat;
  readonly to: ModelFormat;
  readonly layers: number;
  readonly parameters: number;
  /** Present with `verify`: the converted file's outputs against the original's. */
  readonly verification?: Difference & {
    readonly runtimes: readonly [string, string];
    readonly inputShapes: readonly (readonly number[])[];
    readonly tolerance: number;
  };
}

const RUNTIME: Record<ModelFormat, string> = {
  onnx: 'onnxruntime',
  tfjs: 'tfjs-layers',
  torchscript: 'PyTorch (torch.jit.load)',
  reptile: 'Reptile (reference)',
};

/**
 * Converts a model file between tfjs, ONNX, TorchScript and Reptile's own format, through the
 * portable description (docs/models.md). Nothing is written unless the whole model converts:
 * unsupported layers or operators are refused first, by name.
 */
export async function convertModel(
  input: string,
  output: string,
  options: ConvertOptions = {},
): Promise<ConvertReport> {
  const from = options.from ?? formatOfPath(input, 'input');
  const to = options.to ?? formatOfPath(output, 'output');
  const portable: PortableModel = await importPortable(input, from);
  const batch = options.batchSize ?? (to === 'onnx' ? 1 : 2);
  const built = await saveModelFile(output, to, portable, { batchSize: batch });
  const { model } = built;
  const parameters = model.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const report: ConvertReport = { from, to, layers: model.layers.length, parameters };
  if (!options.verify) return report;
  const tolerance = options.tolerance ?? 1e-4;
  // The built model already declares the inputs; only an ONNX source is reopened, for the
  // graph's own input names that onnxruntime is fed by (the lifted ones may be sanitised).
  const source = from === 'onnx' ? await openModel(input, from) : fromBuilt(input, from, built, portable);
  const inputs = randomInputs(source.inputs, batch, options.seed ?? 1, portable);
  const want = await runNatively(input, from, source.inputs, inputs);
  const target = await openModel(output, to);
  const got = await runNatively(output, to, target.inputs, inputs);
  const names = model.outputNames;
  return {
    ...report,
    verification: {
      ...compareOutputs(got, want, names, tolerance),
      runtimes: [RUNTIME[to], RUNTIME[from]],
      inputShapes: inputs.map((t) => t.shape),
      tolerance,
    },
  };
}

/**
 * Writes a portable model as a file of format `to` (atomically, by each format's writer) and
 * returns the built model. `batchSize` fixes the batch dimension where the format needs one
 * (ONNX; TorchScript traces chunks of it and accepts any batch).
 */
export async function saveModelFile(
  path: string,
  to: ModelFormat,
  portable: PortableModel,
  options: { readonly batchSize?: number } = {},
): Promise<BuiltModel> {
  const built = buildPortable(portable, path);
  const { model, weights } = built;
  const batch = options.batchSize ?? (to === 'onnx' ? 1 : 32);
  switch (to) {
    case 'onnx':
      exportOnnxModel(path, model, weights, { batchSize: batch });
      return built;
    case 'tfjs': {
      const { exportTfjsPortable, tfjsCompatible } = await import('./formats/tfjs.ts');
      const folder = path.endsWith('model.json') ? path.slice(0, -'model.json'.length) || '.' : path;
      const byPath = Object.fromEntries(model.weights.map((w, i) => [w.path, weights[i]!]));
      await exportTfjsPortable(folder, tfjsCompatible(model, byPath));
      return built;
    }
    case 'torchscript': {
      const { exportTorchScriptModel } = await import('./formats/torchscript.ts');
      await exportTorchScriptModel(path, model, weights, batch);
      return built;
    }
    case 'reptile':
      if (!path.endsWith('.reptile.json'))
        fail('a Reptile model file must end in .reptile.json', { where: path });
      await saveModel(path, model, weights);
      return built;
  }
}
