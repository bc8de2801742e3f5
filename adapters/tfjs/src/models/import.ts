import { fail, type JsonObject, ReptileError, type Tensor } from '@reptile/core';
import { BY_KERAS, type LayerMap, reptileWeightName, type WeightShapes } from './keras-layers.ts';
import { type ManifestWeight, readModelFolder } from './read-folder.ts';
import { type KerasGraph, type KerasLayer, readTopology } from './topology.ts';

/** A tfjs model as Reptile's portable description (docs/models.md) plus its weight values. */
export interface ImportedTfjsModel {
  /** A Functional config: `Functional.fromConfig(config)` rebuilds the graph. */
  readonly config: JsonObject;
  /** Values by Reptile weight path ('<layer>/<weight>'), in layer order. */
  readonly weights: Readonly<Record<string, Tensor>>;
}

/** What `build` must return: a built model listing its weights in order (Functional does). */
export interface BuiltModel {
  readonly weights: readonly { readonly path: string; readonly shape: readonly number[] }[];
}

export interface ImportOptions<M extends BuiltModel> {
  /**
   * Builds the model from the imported config, e.g. `(c) => Functional.fromConfig(c)`. With
   * it, every weight is checked against its fully built shape (dimensions that depend on the
   * input, such as a Dense kernel's rows, cannot be checked from the config alone) and the
   * result carries the model and the weights in its order.
   */
  readonly build: (config: JsonObject) => M;
}

export interface BuiltImport<M> extends ImportedTfjsModel {
  readonly model: M;
  /** `weights` in `model.weights` order, ready for `model.apply`. */
  readonly ordered: readonly Tensor[];
}

/** Keras fields every layer may carry that do not change what it computes. */
const COMMON_IGNORE = [
  'name',
  'batch_input_shape',
  'batch_shape',
  'batch_size',
  'input_dtype',
  'input_shape',
];

/**
 * Imports a tfjs LayersModel folder (model.json + weight shards, as `model.save` or
 * tensorflowjs_converter write it) into Reptile's portable model description. The folder is
 * untrusted input: see read-folder.ts for the file checks. Every Keras class, field and weight
 * is either translated exactly or refused with a ReptileError naming the layer and field.
 */
export async function importTfjsModel(pathToModelJsonOrFolder: string): Promise<ImportedTfjsModel>;
export async function importTfjsModel<M extends BuiltModel>(
  pathToModelJsonOrFolder: string,
  options: ImportOptions<M>,
): Promise<BuiltImport<M>>;
export async function importTfjsModel<M extends BuiltModel>(
  pathToModelJsonOrFolder: string,
  options?: ImportOptions<M>,
): Promise<ImportedTfjsModel | BuiltImport<M>> {
  const folder = await readModelFolder(pathToModelJsonOrFolder);
  if (folder.json.modelTopology === undefined) {
    fail('modelTopology is missing', { where: folder.file, hint: 'is this a tfjs LayersModel model.json?' });
  }
  const graph = readTopology(folder.json.modelTopology, `${folder.file}: modelTopology`);
  const imported = convertGraph(graph, folder.weights, folder.file);
  if (!options) return imported;
  let model: M;
  try {
    model = options.build(imported.config);
  } catch (error) {
    // The layer classes name a config path; say which file that config came from.
    if (error instanceof ReptileError)
      throw new ReptileError(error.message, { where: folder.file, cause: error });
    throw error;
  }
  return { ...imported, model, ordered: orderedWeights(model, imported.weights, folder.file) };
}

/** `weights` in the built model's order, each checked against its built shape. */
export function orderedWeights(
  model: BuiltModel,
  weights: Readonly<Record<string, Tensor>>,
  where = 'weights',
): Tensor[] {
  const extra = Object.keys(weights).filter((k) => !model.weights.some((w) => w.path === k));
  if (extra.length > 0) fail(`weights ${extra.join(', ')} are not weights of the built model`, { where });
  return model.weights.map((spec) => {
    const w = weights[spec.path] ?? fail(`weight '${spec.path}' is missing`, { where });
    if (w.shape.join(',') !== spec.shape.join(',')) {
      fail(`weight '${spec.path}' has shape [${w.shape}], the built layer needs [${spec.shape}]`, {
        where,
        hint: 'the topology and the weights disagree (an edited or mismatched model.json); re-save the model',
      });
    }
    return w;
  });
}

/** The pure part of the import: a parsed topology and decoded weights → config and weights. */
export function convertGraph(
  graph: KerasGraph,
  manifest: readonly ManifestWeight[],
  file: string,
): ImportedTfjsModel {
  const layers = graph.layers.map((layer) => ({ layer, ...convertLayer(layer, file) }));
  const weights = matchWeights(layers, manifest, file);
  const config: JsonObject = {
    className: 'Functional',
    name: graph.name,
    inputs: graph.inputs.map((i) => ({ name: i.name, shape: [...i.shape], dtype: i.dtype })),
    layers: layers.map(({ layer, className, config }) => ({
      className,
      config,
      inbound: [...layer.inbound],
    })),
    outputs: [...graph.outputs],
  };
  return { config, weights };
}

function convertLayer(
  layer: KerasLayer,
  file: string,
): { className: string; config: JsonObject; map: LayerMap } {
  const where = `${file}: layer '${layer.name}' (${layer.className})`;
  const map = BY_KERAS.get(layer.className);
  if (!map) {
    fail(`layer class ${layer.className} is not supported`, {
      where,
      hint: `supported classes: InputLayer, ${[...BY_KERAS.keys()].join(', ')}`,
    });
  }
  const c = layer.config;
  const known = new Set([
    ...COMMON_IGNORE,
    ...(map.ignore ?? []),
    ...Object.keys(map.fixed ?? {}),
    ...map.fields.map((x) => x.keras),
    'trainable',
    'dtype',
  ]);
  for (const key of Object.keys(c)) {
    if (!known.has(key)) {
      fail(`option ${key} is not supported by Reptile's ${map.reptile}`, {
        where: `${where}.${key}`,
        hint: 'remove the option from the model before saving, or file an issue for it',
      });
    }
  }
  for (const [key, allowed] of Object.entries(map.fixed ?? {})) {
    if (!allowed.includes(c[key])) {
      fail(
        `${key} = ${JSON.stringify(c[key])} is not supported (Reptile supports ${allowed.map((v) => JSON.stringify(v) ?? 'absent').join(' or ')})`,
        {
          where: `${where}.${key}`,
          hint: 'rebuild the tfjs layer without this option',
        },
      );
    }
  }
  if (c.trainable === false) {
    fail('frozen layers (trainable: false) are not supported', {
      where: `${where}.trainable`,
      hint: 'save the model with every layer trainable; freeze weights in Reptile by leaving them out of the optimizer',
    });
  }
  checkDtype(c.dtype, `${where}.dtype`);
  const config: Record<string, unknown> = { name: layer.name };
  for (const field of map.fields) {
    const raw = field.keras in c ? c[field.keras] : (field.kerasDef ?? field.def);
    if (raw === undefined) continue;
    const value = field.map.read(raw, `${where}.${field.keras}`);
    if (value !== undefined) config[field.reptile] = value;
  }
  return { className: map.reptile, config, map };
}

/** Layer dtype: float32, written as a string (tfjs, Keras 2) or a DTypePolicy object (Keras 3). */
function checkDtype(dtype: unknown, where: string): void {
  const name =
    typeof dtype === 'object' && dtype !== null
      ? (dtype as { config?: { name?: unknown } }).config?.name
      : dtype;
  if (name !== undefined && name !== null && name !== 'float32') {
    fail(`dtype ${JSON.stringify(name)} is not supported`, {
      where,
      hint: 'Reptile imports float32 tfjs models (mixed precision policies are not translated)',
    });
  }
}

/**
 * Weights are found by their owning layer, as tf.loadLayersModel does: names are
 * '<layer>/<weight>', possibly with scopes around ('lstm_1/lstm_cell/kernel'), so the owner
 * is the first segment naming a layer and the weight the last segment, whatever the manifest
 * order is (tfjs lists non-trainable weights such as BatchNorm statistics after all trainable
 * ones, so position alone would pair them wrongly).
 */
function matchWeights(
  layers: readonly { layer: KerasLayer; config: JsonObject; map: LayerMap }[],
  manifest: readonly ManifestWeight[],
  file: string,
): Record<string, Tensor> {
  const names = new Set(layers.map((l) => l.layer.name));
  const byLayer = new Map<string, ManifestWeight[]>();
  for (const w of manifest) {
    // Usually the first segment; converters may put a model scope first ('model/dense/kernel').
    const scopes = w.name.split('/').slice(0, -1);
    const owner = scopes.find((s) => names.has(s)) ?? scopes[0] ?? w.name;
    byLayer.set(owner, [...(byLayer.get(owner) ?? []), w]);
  }
  const out: Record<string, Tensor> = {};
  for (const { layer, config, map } of layers) {
    const where = `${file}: layer '${layer.name}' (${layer.className})`;
    const expected: WeightShapes = map.weights?.(config) ?? {};
    const found = byLayer.get(layer.name) ?? [];
    byLayer.delete(layer.name);
    const got = new Map<string, ManifestWeight>();
    for (const w of found) {
      const local = reptileWeightName(w.name.split('/').pop()!.replace(/:\d+$/, ''));
      if (!(local in expected) || got.has(local)) {
        fail(`weight '${w.name}' is ${got.has(local) ? 'given twice' : 'not a weight of this layer'}`, {
          where,
          hint: `${map.reptile} with this config has ${Object.keys(expected).join(', ') || 'no weights'}`,
        });
      }
      got.set(local, w);
    }
    for (const [local, shape] of Object.entries(expected)) {
      const w =
        got.get(local) ??
        fail(`weight '${layer.name}/${local}' is missing from weightsManifest`, {
          where,
          hint: 'the weights belong to another model or were saved incompletely',
        });
      const actual = w.value.shape;
      if (w.value.dtype !== 'float32') {
        fail(`weight '${w.name}' is ${w.value.dtype}, the layer needs float32`, { where });
      }
      if (actual.length !== shape.length || shape.some((d, i) => d !== null && d !== actual[i])) {
        fail(`weight '${w.name}' has shape [${actual}], the layer needs [${shape.map((d) => d ?? '?')}]`, {
          where,
          hint: 'the config and the weights disagree; re-save the model',
        });
      }
      out[`${layer.name}/${local}`] = w.value;
    }
  }
  const stray = [...byLayer.values()].flat();
  if (stray.length > 0) {
    fail(`weights ${stray.map((w) => `'${w.name}'`).join(', ')} belong to no layer of the topology`, {
      where: `${file}: weightsManifest`,
      hint: 'the weights belong to another model',
    });
  }
  return out;
}
