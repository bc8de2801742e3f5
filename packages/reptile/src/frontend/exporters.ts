import { extname } from 'node:path';
import { fail } from '@reptile/core';
import type { Model } from '../model/model.ts';

/** Writes `model` to `path` in one deployment format. */
export type Exporter = (model: Model, path: string) => Promise<void>;

const exporters = new Map<string, Exporter>();

/**
 * The seam for deployment formats: the ONNX adapter registers 'onnx' (graph from the same
 * protocol forward pass, weights as initializers, the input normalisation as its first nodes);
 * tfjs and TorchScript likewise. The format is chosen from the file extension.
 */
export function registerExporter(format: string, exporter: Exporter): void {
  exporters.set(format, exporter);
}

const BY_EXTENSION: Record<string, string> = {
  '.onnx': 'onnx',
  '.pt': 'torchscript',
  '.pth': 'torchscript',
  '.json': 'tfjs',
  // A path without an extension is a folder for a tfjs LayersModel (model.json + weights.bin).
  '': 'tfjs',
};

export async function exportModel(model: Model, path: string, format?: string): Promise<void> {
  const name = format ?? BY_EXTENSION[extname(path).toLowerCase()];
  if (!name || (name === 'tfjs' && extname(path) === '.json' && !path.endsWith('model.json')))
    fail(`cannot tell the export format from '${extname(path)}'`, {
      where: path,
      hint: 'use model.onnx, model.pt, or a folder / folder/model.json for tfjs',
    });
  const exporter =
    exporters.get(name) ??
    fail(`no exporter for '${name}' is registered yet`, {
      where: 'model.export',
      hint: `registered: ${[...exporters.keys()].join(', ') || 'none'}; the ${name} adapter provides it via registerExporter()`,
    });
  await exporter(model, path);
}
