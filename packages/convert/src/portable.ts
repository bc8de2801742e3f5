import { fail, type JsonObject, type Tensor } from '@reptile/core';
import { type Functional, modelFromConfig, type Sequential } from '@reptile/layers';

/**
 * A model in Reptile's portable description (docs/models.md) as converters exchange it: the
 * container's JSON config and every weight by its path ('<layer>/<weight>'). Importers produce
 * one; `buildPortable` turns it into a runnable model with weights in the model's order.
 */
export interface PortableModel {
  readonly config: JsonObject;
  readonly weights: Readonly<Record<string, Tensor>>;
}

export interface BuiltModel {
  readonly model: Functional;
  /** In `model.weights` order. */
  readonly weights: Tensor[];
}

/**
 * Builds the model a portable description names and orders its weights. Every weight the model
 * declares must be present with its exact shape and dtype, and no other weight may be, so an
 * importer that mis-maps a weight fails here by name rather than computing something else.
 */
export function buildPortable(portable: PortableModel, where: string): BuiltModel {
  const built = modelFromConfig(portable.config, where) as Functional | Sequential;
  const model = 'toFunctional' in built ? built.toFunctional() : built;
  model.build();
  const known = new Set(model.weights.map((w) => w.path));
  for (const path of Object.keys(portable.weights)) {
    if (!known.has(path))
      fail(`has a weight '${path}' the model does not declare`, {
        where,
        hint: `the model's weights are ${[...known].join(', ') || '(none)'}`,
      });
  }
  const weights = model.weights.map((spec) => {
    const t =
      portable.weights[spec.path] ??
      fail(`is missing weight '${spec.path}'`, { where, hint: 'was the file written for another model?' });
    if (t.dtype !== spec.dtype || t.shape.join(',') !== spec.shape.join(','))
      fail(`weight '${spec.path}' is ${t.dtype}[${t.shape}], the model needs ${spec.dtype}[${spec.shape}]`, {
        where,
      });
    return t;
  });
  return { model, weights };
}
