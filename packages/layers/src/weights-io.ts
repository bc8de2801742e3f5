import { asObject, deserializeState, fail, serializeState, Tensor } from '@reptile/core';
import type { NamedWeightSpec } from './sequential.ts';

/** Weights as JSON: exact bits (base64 little-endian) under their model paths. */
export interface SavedWeights {
  readonly format: 'reptile.weights';
  readonly version: 1;
  readonly weights: Readonly<Record<string, unknown>>;
}

export function saveWeights(specs: readonly NamedWeightSpec[], values: readonly Tensor[]): SavedWeights {
  if (specs.length !== values.length)
    fail(`${values.length} values for ${specs.length} weights`, { where: 'saveWeights' });
  const record = Object.fromEntries(specs.map((s, i) => [s.path, values[i]!]));
  return {
    format: 'reptile.weights',
    version: 1,
    weights: serializeState(record) as Record<string, unknown>,
  };
}

/**
 * Weights in `specs` order from saved data. Every weight must be present with its exact shape
 * and dtype, and nothing else may be there, so weights of another model are refused by name.
 */
export function loadWeights(value: unknown, specs: readonly NamedWeightSpec[], where = 'weights'): Tensor[] {
  const obj = asObject(value, where);
  if (obj.format !== 'reptile.weights' || obj.version !== 1) {
    fail("is not saved weights (format 'reptile.weights', version 1)", {
      where,
      hint: 'pass data written by saveWeights / model.saveWeights',
    });
  }
  const stored = asObject(obj.weights, `${where}.weights`);
  const known = new Set(specs.map((s) => s.path));
  for (const name of Object.keys(stored)) {
    if (!known.has(name))
      fail(`unexpected weight '${name}'`, {
        where: `${where}.weights`,
        hint: `this model has ${[...known].join(', ')}`,
      });
  }
  return specs.map((spec) => {
    const at = `${where}.weights['${spec.path}']`;
    if (!(spec.path in stored))
      fail('is missing', { where: at, hint: 'were these weights saved from another model?' });
    const t = deserializeState(stored[spec.path], at);
    if (!(t instanceof Tensor)) fail('is not a tensor', { where: at });
    if (t.dtype !== spec.dtype || t.shape.join(',') !== spec.shape.join(',')) {
      fail(`is ${t.dtype}[${t.shape}], the model needs ${spec.dtype}[${spec.shape}]`, { where: at });
    }
    return t;
  });
}
