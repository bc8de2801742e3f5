import type { DType, Tensor } from '@reptile/core';
import { INFERENCE, loadModel } from '@reptile/layers';
import { loadOnnxModel, type OnnxModelDescription, protocolDType } from '@reptile/onnx';
import { formatOfPath, type ModelFormat } from './formats.ts';
import { liftOnnxModel } from './onnx/lift.ts';
import { type BuiltModel, buildPortable, type PortableModel } from './portable.ts';

/** One input a model takes; `shape` includes the batch axis, which is `undefined` when free. */
export interface ModelInput {
  readonly name: string;
  readonly shape: readonly (number | undefined)[];
  readonly dtype: DType;
}

/**
 * A model file opened for running: its inputs and a lazy forward pass (protocol tensors, so the
 * caller picks the frontend that evaluates them). ONNX files run through the operator
 * interpreter, so any graph of supported operators runs, layer-shaped or not; the other formats
 * run their portable layer graph.
 */
export interface OpenedModel {
  readonly path: string;
  readonly format: ModelFormat;
  readonly inputs: readonly ModelInput[];
  forward(inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
  /** The portable description, produced on demand (lifting, for ONNX). */
  portable(): Promise<PortableModel>;
}

export async function openModel(
  path: string,
  format: ModelFormat = formatOfPath(path),
): Promise<OpenedModel> {
  if (format === 'onnx') return openOnnx(path);
  const portable = await importPortable(path, format);
  const built = buildPortable(portable, path);
  return fromBuilt(path, format, built, portable);
}

export function fromBuilt(
  path: string,
  format: ModelFormat,
  built: BuiltModel,
  portable: PortableModel,
): OpenedModel {
  const { model, weights } = built;
  return {
    path,
    format,
    inputs: model.inputs.map((i) => ({ name: i.name, shape: [undefined, ...i.shape], dtype: i.dtype })),
    forward: (inputs) => model.applyNamed(weights, inputs, INFERENCE),
    portable: async () => portable,
  };
}

/** Reads a layer-format model file (everything but ONNX) as a portable description. */
export async function importPortable(path: string, format: ModelFormat): Promise<PortableModel> {
  switch (format) {
    case 'reptile': {
      const { model, weights } = await loadModel(path);
      const config = model.getConfig();
      const specs = model.weights;
      return { config, weights: Object.fromEntries(specs.map((s, i) => [s.path, weights[i]!])) };
    }
    case 'tfjs': {
      const { importTfjsPortable } = await import('./formats/tfjs.ts');
      return importTfjsPortable(path);
    }
    case 'torchscript': {
      const { importTorchScriptPortable } = await import('./formats/torchscript.ts');
      return importTorchScriptPortable(path);
    }
    case 'onnx':
      return liftOnnxModel(readOnnx(path));
  }
}

/** Reads and validates an ONNX file (size limits, external data only inside its folder). */
export function readOnnx(path: string): OnnxModelDescription {
  return loadOnnxModel(path).description;
}

function openOnnx(path: string): OpenedModel {
  const loaded = loadOnnxModel(path);
  const { description } = loaded;
  return {
    path,
    format: 'onnx',
    inputs: description.inputs.map((i) => ({
      name: i.name,
      shape: (i.dims ?? []).map((d) => (typeof d === 'number' ? d : undefined)),
      dtype: protocolDType(i.elem),
    })),
    forward: (inputs) => loaded.run(inputs),
    portable: async () => liftOnnxModel(description),
  };
}
