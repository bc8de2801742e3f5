import { asObject, fail, type JsonObject } from '@reptile/core';
import { Activation, type ActivationOptions } from './activation-layer.ts';
import { CONV_LAYERS } from './conv/index.ts';
import { Dense, type DenseOptions } from './dense.ts';
import { Dropout, type DropoutOptions } from './dropout.ts';
import { Embedding, type EmbeddingOptions } from './embedding.ts';
import { Flatten } from './flatten.ts';
import { Add, Concatenate, type ConcatenateOptions } from './graph/merge.ts';
import type { Layer } from './layer.ts';
import { NORMALIZATION_LAYERS } from './normalization/index.ts';
import { RECURRENT_LAYERS } from './recurrent/index.ts';
import { SHAPE_LAYERS } from './shape/index.ts';

/**
 * Layer classes by name, for rebuilding a model from its JSON config. A new layer registers
 * here once; the containers (Sequential, Functional) need no change.
 */
const REGISTRY: Record<string, (config: JsonObject) => Layer> = {
  Dense: (c) => new Dense(c as unknown as DenseOptions),
  Dropout: (c) => new Dropout(c as unknown as DropoutOptions),
  Activation: (c) => new Activation(c as unknown as ActivationOptions),
  Flatten: (c) => new Flatten(c as { name?: string }),
  Add: (c) => new Add(c as { name?: string }),
  Concatenate: (c) => new Concatenate(c as ConcatenateOptions),
  Embedding: (c) => new Embedding(c as unknown as EmbeddingOptions),
  ...CONV_LAYERS,
  ...SHAPE_LAYERS,
  ...NORMALIZATION_LAYERS,
  ...RECURRENT_LAYERS,
};

export const LAYER_CLASSES = Object.keys(REGISTRY);

/** `{className, config}` → an unbuilt layer; unknown classes and fields are refused by name. */
export function layerFromConfig(value: unknown, where = 'layer'): Layer {
  const obj = asObject(value, where);
  const className = obj.className;
  const make = typeof className === 'string' ? REGISTRY[className] : undefined;
  if (!make) {
    fail(`unknown layer class ${JSON.stringify(className)}`, {
      where: `${where}.className`,
      hint: `known layers: ${LAYER_CLASSES.join(', ')}`,
    });
  }
  try {
    return make(asObject(obj.config ?? {}, `${where}.config`));
  } catch (error) {
    if (error instanceof Error && error.name === 'ReptileError') {
      fail(error.message, { where });
    }
    throw error;
  }
}

export function layerToConfig(layer: Layer): JsonObject {
  return { className: layer.className, config: layer.getConfig() };
}
