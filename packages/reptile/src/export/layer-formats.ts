import { saveModelFile } from '@reptile/convert';
import type { Model } from '../model/model.ts';
import { modelToPortable } from './portable.ts';

/** `model.export('model.pt')`: TorchScript for stock PyTorch (any batch size; docs/torch-models.md). */
export async function exportTorchScriptFile(model: Model, path: string): Promise<void> {
  await saveModelFile(path, 'torchscript', modelToPortable(model));
}

/** `model.export('dir/model.json')` or a folder: a tfjs LayersModel (docs/tfjs-models.md). */
export async function exportTfjsFolder(model: Model, path: string): Promise<void> {
  await saveModelFile(path, 'tfjs', modelToPortable(model));
}
