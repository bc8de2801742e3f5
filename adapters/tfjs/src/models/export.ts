import { asObject, fail, type JsonObject, type Tensor } from '@reptile/core';
import type * as tf from '@tensorflow/tfjs-core';
import { fileSystem } from '../io/file-system.ts';
import { BY_REPTILE, kerasWeightName } from './keras-layers.ts';
import { type ReptileLayer, readReptileGraph } from './reptile-graph.ts';

/** What a tfjs-layers topology needs from each Reptile layer. */
interface KerasEntry {
  readonly name: string;
  readonly class_name: string;
  readonly config: JsonObject;
  readonly inbound_nodes: unknown[];
}

/**
 * Writes a Reptile model (a Functional config per docs/models.md, or a built Sequential's config)
 * with its weights as a tfjs 'layers-model' folder that `tf.loadLayersModel` reads: model.json
 * with a Keras Functional ("Model") topology and the weights as little-endian float32 shards.
 * The folder is written by the fileSystem IOHandler, atomically (shards first under names unique
 * to this save, model.json renamed last), so a crash never leaves a half-written model.
 *
 * Every weight of every layer must be in `weights` under '<layer>/<weight>' and nothing else;
 * layers or options tfjs-layers cannot express (grouped convolution, GRU resetAfter = true,
 * explicit padding) are refused before anything is written.
 */
export async function exportTfjsModel(
  folder: string,
  config: unknown,
  weights: Readonly<Record<string, Tensor>>,
): Promise<void> {
  const artifacts = tfjsArtifacts(config, weights);
  await fileSystem(folder).save!(artifacts);
}

/** The in-memory form of the export (topology, weight specs, weight bytes), for any IOHandler. */
export function tfjsArtifacts(
  config: unknown,
  weights: Readonly<Record<string, Tensor>>,
): tf.io.ModelArtifacts {
  const graph = readReptileGraph(config, 'exportTfjsModel: config');
  const entries: KerasEntry[] = graph.inputs.map((input) => ({
    name: input.name,
    class_name: 'InputLayer',
    config: {
      batch_input_shape: [null, ...input.shape],
      dtype: input.dtype,
      sparse: false,
      name: input.name,
    },
    inbound_nodes: [],
  }));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  const used = new Set<string>();
  for (const layer of graph.layers) {
    entries.push(kerasEntry(layer));
    const where = `exportTfjsModel: layer '${layer.name}' (${layer.className})`;
    const expected = Object.keys(BY_REPTILE.get(layer.className)!.weights?.(layer.config) ?? {});
    for (const local of expected) {
      const path = `${layer.name}/${local}`;
      const value =
        weights[path] ??
        fail(`weight '${path}' is missing`, { where, hint: 'pass every weight of the model' });
      used.add(path);
      if (value.dtype !== 'float32') {
        fail(`weight '${path}' is ${value.dtype}; tfjs-layers models store float32`, {
          where,
          hint: 'cast the weights to float32 before exporting',
        });
      }
      specs.push({
        name: `${layer.name}/${kerasWeightName(local)}`,
        shape: [...value.shape],
        dtype: 'float32',
      });
      parts.push(littleEndianFloat32(value.data()));
    }
  }
  const extra = Object.keys(weights).filter((k) => !used.has(k));
  if (extra.length > 0) {
    fail(`weights ${extra.map((k) => `'${k}'`).join(', ')} belong to no layer of the config`, {
      where: 'exportTfjsModel: weights',
      hint: 'pass the weights of this model only, keyed by "<layer>/<weight>"',
    });
  }
  const modelTopology = {
    class_name: 'Model',
    config: {
      name: graph.name,
      layers: entries,
      input_layers: graph.inputs.map((i) => [i.name, 0, 0]),
      output_layers: graph.outputs.map((o) => [o, 0, 0]),
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
  return {
    modelTopology: modelTopology as object,
    format: 'layers-model',
    generatedBy: 'Reptile (@reptile/tfjs exportTfjsModel)',
    weightSpecs: specs,
    weightData: concat(parts),
  };
}

function kerasEntry(layer: ReptileLayer): KerasEntry {
  const where = `exportTfjsModel: layer '${layer.name}' (${layer.className})`;
  const map =
    BY_REPTILE.get(layer.className) ??
    fail(`layer class ${layer.className} has no tfjs-layers mapping`, {
      where,
      hint: `exportable classes: ${[...BY_REPTILE.keys()].join(', ')}`,
    });
  const c = asObject(layer.config, `${where}.config`);
  const mapped = new Set(map.fields.map((f) => f.reptile));
  for (const key of Object.keys(c)) {
    // Initializers only matter for fresh weights; the exported weights are the values.
    if (key === 'name' || mapped.has(key) || key.endsWith('Initializer')) continue;
    if (key === 'dtype' && c.dtype === 'float32') continue;
    fail(`option ${key} = ${JSON.stringify(c[key])} has no tfjs-layers equivalent`, {
      where: `${where}.${key}`,
    });
  }
  const config: Record<string, unknown> = { name: layer.name, trainable: true };
  for (const field of map.fields) {
    const value = c[field.reptile] ?? field.def;
    if (value === undefined) continue;
    const written = field.map.write(value, `${where}.${field.reptile}`);
    if (written !== undefined) config[field.keras] = written;
  }
  if (layer.className === 'GRU' && config.reset_after !== false) {
    fail('resetAfter = true has no tfjs-layers equivalent (tfjs GRU supports reset_after=false only)', {
      where: `${where}.resetAfter`,
      hint: 'build the Reptile GRU with resetAfter: false to export it to tfjs',
    });
  }
  return {
    name: layer.name,
    class_name: map.keras[0]!,
    config,
    inbound_nodes: [layer.inbound.map((n) => [n, 0, 0, {}])],
  };
}

function littleEndianFloat32(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}
