import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asObject, type JsonObject, Tensor } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// @reptile/tfjs does not depend on @reptile/layers (the importer emits JSON only); the tests
// build the imported configs with the layers package's own classes, by relative path.
import { CONV_LAYERS } from '../../../../packages/layers/src/conv/index.ts';
import { Embedding, type EmbeddingOptions } from '../../../../packages/layers/src/embedding.ts';
import { Functional } from '../../../../packages/layers/src/graph/functional.ts';
import { INFERENCE, type Layer, layerFromConfig } from '../../../../packages/layers/src/index.ts';
import { NORMALIZATION_LAYERS } from '../../../../packages/layers/src/normalization/index.ts';
import { RECURRENT_LAYERS } from '../../../../packages/layers/src/recurrent/index.ts';
import { SHAPE_LAYERS } from '../../../../packages/layers/src/shape/index.ts';
import { fileSystem } from '../io/file-system.ts';
import { orderedWeights } from './import.ts';

/** Test helpers for the tfjs model converters: temp folders, Reptile builds, predictions. */
export async function tempRoot(): Promise<{ folder: () => string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'reptile-tfjs-models-'));
  let n = 0;
  return { folder: () => join(root, `m${n++}`), cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Layer classes not (yet) in the layers registry, constructed from their folders' tables. */
const EXTRA: Record<string, (c: JsonObject) => Layer> = {
  ...CONV_LAYERS,
  ...SHAPE_LAYERS,
  ...NORMALIZATION_LAYERS,
  ...RECURRENT_LAYERS,
  Embedding: (c) => new Embedding(c as unknown as EmbeddingOptions),
};

function makeLayer(value: unknown, where: string): Layer {
  const obj = asObject(value, where);
  const make = EXTRA[String(obj.className)];
  return make ? make(asObject(obj.config, `${where}.config`)) : layerFromConfig(value, where);
}

/** A built Functional from an imported config (Functional.fromConfig once the registry knows every class). */
export function buildFunctional(config: JsonObject): Functional {
  const c = config as {
    name: string;
    inputs: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
    layers: { className: string; config: JsonObject; inbound: string[] }[];
    outputs: string[];
  };
  const model = new Functional({ name: c.name });
  for (const i of c.inputs) model.input(i.name, i.shape, i.dtype);
  c.layers.forEach((l, i) => {
    model.add(makeLayer(l, `layers[${i}]`), l.inbound);
  });
  for (const o of c.outputs) model.output(o);
  model.build();
  return model;
}

/** The imported weights in the model's order, each checked against the built layers. */
export function weightsInOrder(model: Functional, weights: Readonly<Record<string, Tensor>>): Tensor[] {
  return orderedWeights(model, weights);
}

/** Reptile's inference forward pass on the reference backend. */
export function reptilePredict(
  model: Functional,
  weights: Readonly<Record<string, Tensor>>,
  inputs: Readonly<Record<string, { data: Float32Array | Int32Array; shape: number[] }>>,
): Float32Array {
  const dtypeOf = (name: string) => model.inputs.find((i) => i.name === name)!.dtype;
  const tensors = Object.fromEntries(
    Object.entries(inputs).map(([k, v]) => [k, Tensor.fromData(v.data, v.shape, dtypeOf(k))]),
  );
  return Float32Array.from(model.apply(weightsInOrder(model, weights), tensors, INFERENCE).data());
}

/** tfjs' prediction for the same inputs (in the model's input order). */
export function tfjsPredict(
  model: tfl.LayersModel,
  inputs: readonly { data: Float32Array | Int32Array; shape: number[] }[],
): Float32Array {
  return tf.tidy(() => {
    const xs = inputs.map((x) =>
      tf.tensor(x.data, x.shape, x.data instanceof Int32Array ? 'int32' : 'float32'),
    );
    const y = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor;
    return y.dataSync() as Float32Array;
  });
}

export async function saveTfjs(model: tfl.LayersModel, dir: string): Promise<void> {
  await model.save(fileSystem(dir));
}

/** Deterministic values in [-1, 1) (a fixed LCG) so failures reproduce. */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Replaces tfjs' random initial weights with fixed values (positive where a variance must be). */
export function fixWeights(model: tfl.LayersModel, seed: number): void {
  model.setWeights(
    model.weights.map((w, i) => {
      const shape = w.read().shape;
      // Halved so sigmoid and softmax outputs stay away from saturation, where errors hide.
      const v = values(
        shape.reduce((a, b) => a * b, 1),
        seed + i,
      ).map((x) => x / 2);
      const positive = /variance/.test(w.originalName);
      return tf.tensor(positive ? v.map((x) => Math.abs(x) + 0.5) : v, shape);
    }),
  );
}
