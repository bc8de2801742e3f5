import type { Tensor } from '@reptile/core';
import type { Functional } from '@reptile/layers';
import { exportTorchScript, importTorchScript } from '@reptile/torch';
import type { PortableModel } from '../portable.ts';

/** Reptile-written TorchScript archives ↔ the portable description; see adapters/torch. */
export async function importTorchScriptPortable(path: string): Promise<PortableModel> {
  const { config, weights, paths } = await importTorchScript(path);
  return { config, weights: Object.fromEntries(paths.map((p, i) => [p, weights[i]!])) };
}

export async function exportTorchScriptModel(
  path: string,
  model: Functional,
  weights: readonly Tensor[],
  batchSize: number,
): Promise<void> {
  await exportTorchScript(path, model, weights, { batchSize });
}
