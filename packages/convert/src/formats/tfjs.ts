import { exportTfjsModel, importTfjsModel } from '@reptile/tfjs/node';
import type { PortableModel } from '../portable.ts';

/** tfjs LayersModel folders (model.json + weights) ↔ the portable description; see adapters/tfjs. */
export async function importTfjsPortable(path: string): Promise<PortableModel> {
  return importTfjsModel(path);
}

export async function exportTfjsPortable(folder: string, portable: PortableModel): Promise<void> {
  await exportTfjsModel(folder, portable.config, portable.weights);
}
