import type { JsonObject, Tensor } from '@reptile/core';
import type { Functional } from '@reptile/layers';
import { exportTfjsModel, importTfjsModel } from '@reptile/tfjs/node';
import type { PortableModel } from '../portable.ts';

/** tfjs LayersModel folders (model.json + weights) ↔ the portable description; see adapters/tfjs. */
export async function importTfjsPortable(path: string): Promise<PortableModel> {
  return importTfjsModel(path);
}

export async function exportTfjsPortable(folder: string, portable: PortableModel): Promise<void> {
  await exportTfjsModel(folder, portable.config, portable.weights);
}

interface LayerEntry {
  className: string;
  config: JsonObject;
  inbound: string[];
}

/**
 * The model as tfjs-layers computes it correctly. tfjs 4.22's batchNorm kernel is wrong for a
 * feature axis other than the last on the cpu and wasm backends (docs/tfjs-models.md), which is
 * exactly what models from PyTorch/ONNX have (NCHW, axis 1). Such a BatchNormalization is
 * written as Permute (axis to last) → BatchNormalization(axis −1) → Permute (back): the same
 * function, the same inputs, and tfjs computes it right. The final Permute keeps the original
 * layer name, so every reader of the layer is unchanged; the normalisation's weights move to
 * `<name>_channels_last/...`.
 */
export function tfjsCompatible(model: Functional, weights: Readonly<Record<string, Tensor>>): PortableModel {
  const config = model.getConfig() as unknown as { layers: LayerEntry[] } & JsonObject;
  const moved: Record<string, Tensor> = { ...weights };
  const layers: LayerEntry[] = [];
  for (const layer of config.layers) {
    const name = layer.config.name as string;
    const rank = model.shapeOf(layer.inbound[0]!).length + 1;
    const given = (layer.config.axis as number | undefined) ?? -1;
    const axis = given < 0 ? given + rank : given; // Keras counts the batch axis; -1 is the last
    const last = axis === rank - 1;
    if (layer.className !== 'BatchNormalization' || last) {
      layers.push(layer);
      continue;
    }
    // Per-sample axes (1-based, Keras' Permute): move `axis` to the end, then back.
    const sampleAxes = Array.from({ length: rank - 1 }, (_, i) => i + 1);
    const toLast = [...sampleAxes.filter((a) => a !== axis), axis];
    const back = sampleAxes.map((a) => toLast.indexOf(a) + 1);
    const core = `${name}_channels_last`;
    layers.push(
      { className: 'Permute', config: { name: `${name}_to_last`, dims: toLast }, inbound: layer.inbound },
      {
        className: 'BatchNormalization',
        config: { ...layer.config, name: core, axis: -1 },
        inbound: [`${name}_to_last`],
      },
      { className: 'Permute', config: { name, dims: back }, inbound: [core] },
    );
    for (const key of Object.keys(moved)) {
      if (!key.startsWith(`${name}/`)) continue;
      moved[`${core}/${key.slice(name.length + 1)}`] = moved[key]!;
      delete moved[key];
    }
  }
  return { config: { ...config, layers } as unknown as JsonObject, weights: moved };
}
