import { readFile } from 'node:fs/promises';
import { asObject, checkKeys, fail, type JsonObject, type Tensor } from '@reptile/core';
import { Sequential } from '../sequential.ts';
import { loadWeights, type SavedWeights, saveWeights } from '../weights-io.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { Functional } from './functional.ts';

/** A model container: a layer stack or a layer graph. */
export type ModelContainer = Sequential | Functional;

/** The `.reptile.json` model file: architecture and exact weights in one JSON document. */
export interface ModelFile {
  readonly format: 'reptile.model';
  readonly version: 1;
  readonly model: JsonObject;
  readonly weights: SavedWeights;
}

const CONTAINERS = ['Sequential', 'Functional'];

/** A container from its config, by `className`. */
export function modelFromConfig(value: unknown, where = 'model'): ModelContainer {
  const obj = asObject(value, where);
  if (obj.className === 'Sequential') return Sequential.fromConfig(obj, where);
  if (obj.className === 'Functional') return Functional.fromConfig(obj, where);
  return fail(`unknown model class ${JSON.stringify(obj.className)}`, {
    where: `${where}.className`,
    hint: `model configs are ${CONTAINERS.join(' or ')}`,
  });
}

/** The model file's content for a built model and its weight values (in `model.weights` order). */
export function modelToFile(model: ModelContainer, weights: readonly Tensor[]): ModelFile {
  return {
    format: 'reptile.model',
    version: 1,
    model: model.getConfig(),
    weights: saveWeights(model.weights, weights),
  };
}

/** A model and its weights from a parsed model file; the weights must match the model exactly. */
export function modelFromFile(
  value: unknown,
  where = 'model file',
): { model: ModelContainer; weights: Tensor[] } {
  const obj = asObject(value, where);
  if (obj.format !== 'reptile.model')
    fail(`format is ${JSON.stringify(obj.format)}, expected "reptile.model"`, {
      where: `${where}.format`,
      hint: 'pass a file written by saveModel (weights alone are loaded with loadWeights)',
    });
  if (obj.version !== 1)
    fail(`version ${JSON.stringify(obj.version)} is not supported (this Reptile reads version 1)`, {
      where: `${where}.version`,
      hint: 'upgrade Reptile to read newer model files',
    });
  checkKeys(obj, ['format', 'version', 'model', 'weights'], where);
  const model = modelFromConfig(obj.model, `${where}.model`);
  if (!model.built)
    fail('the model config has no input shape, so its weights cannot be matched', {
      where: `${where}.model`,
      hint: 'save a built model',
    });
  return { model, weights: loadWeights(obj.weights, model.weights, `${where}.weights`) };
}

/** Writes model + weights to `path` atomically (a temp file in the same folder, then rename). */
export async function saveModel(
  path: string,
  model: ModelContainer,
  weights: readonly Tensor[],
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(modelToFile(model, weights))}\n`);
}

/** Reads a file written by `saveModel`; every problem is reported with the file name. */
export async function loadModel(path: string): Promise<{ model: ModelContainer; weights: Tensor[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return fail(`cannot read the model file: ${(error as Error).message}`, { where: path });
  }
  return modelFromFile(parseJson(text, path), path);
}

/** JSON.parse with the error position turned into line and column. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    let at = where;
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      at = `${where}:${line}:${before.length - before.lastIndexOf('\n')}`;
    }
    return fail(`is not valid JSON (${message})`, {
      where: at,
      hint: 'the file is damaged or not a Reptile model file',
    });
  }
}
