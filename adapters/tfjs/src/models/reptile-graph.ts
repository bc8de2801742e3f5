import { asObject, fail, type JsonObject } from '@reptile/core';

export interface ReptileLayer {
  readonly name: string;
  readonly className: string;
  readonly config: JsonObject;
  readonly inbound: readonly string[];
}

export interface ReptileGraph {
  readonly name: string;
  readonly inputs: readonly { name: string; shape: readonly number[]; dtype: string }[];
  readonly layers: readonly ReptileLayer[];
  readonly outputs: readonly string[];
}

/**
 * Reads the parts of a Reptile model config (docs/models.md) an exporter needs, checking the
 * structure only (the layer classes check their own fields). A built Sequential's config is
 * read as the equivalent chain, its input named 'input'.
 */
export function readReptileGraph(value: unknown, where: string): ReptileGraph {
  const obj = asObject(value, where);
  if (obj.className === 'Sequential') return fromSequential(obj, where);
  if (obj.className !== 'Functional') {
    fail(`className ${JSON.stringify(obj.className)} is not 'Functional' or 'Sequential'`, {
      where: `${where}.className`,
    });
  }
  if (!Array.isArray(obj.inputs) || obj.inputs.length === 0)
    fail('expected a non-empty list', { where: `${where}.inputs` });
  const inputs = obj.inputs.map((v, i) => {
    const at = `${where}.inputs[${i}]`;
    const input = asObject(v, at);
    const dtype = input.dtype ?? 'float32';
    if (dtype !== 'float32' && dtype !== 'int32')
      fail(`dtype ${JSON.stringify(dtype)} has no tfjs input equivalent`, { where: `${at}.dtype` });
    return { name: readName(input.name, `${at}.name`), shape: readShape(input.shape, `${at}.shape`), dtype };
  });
  if (!Array.isArray(obj.layers)) fail('expected a list of layers', { where: `${where}.layers` });
  const seen = new Set(inputs.map((i) => i.name));
  const layers = obj.layers.map((v, i) => {
    const at = `${where}.layers[${i}]`;
    const layer = asObject(v, at);
    const config = asObject(layer.config, `${at}.config`);
    const name = readName(config.name, `${at}.config.name`);
    if (!Array.isArray(layer.inbound) || layer.inbound.length === 0)
      fail('expected a non-empty list of names', { where: `${at}.inbound` });
    for (const src of layer.inbound) {
      if (typeof src !== 'string' || !seen.has(src)) {
        fail(`${JSON.stringify(src)} is not an input or an earlier layer`, { where: `${at}.inbound` });
      }
    }
    if (seen.has(name)) fail(`name '${name}' is used twice`, { where: `${at}.config.name` });
    seen.add(name);
    return {
      name,
      className: readClass(layer.className, `${at}.className`),
      config,
      inbound: layer.inbound as string[],
    };
  });
  if (!Array.isArray(obj.outputs) || obj.outputs.length === 0)
    fail('expected a non-empty list', { where: `${where}.outputs` });
  for (const o of obj.outputs)
    if (typeof o !== 'string' || !seen.has(o))
      fail(`${JSON.stringify(o)} is not a layer`, { where: `${where}.outputs` });
  return {
    name: typeof obj.name === 'string' ? obj.name : 'model',
    inputs,
    layers,
    outputs: obj.outputs as string[],
  };
}

function fromSequential(obj: JsonObject, where: string): ReptileGraph {
  if (obj.inputShape === undefined) {
    fail('the Sequential model is not built, so its input shape is unknown', {
      where: `${where}.inputShape`,
      hint: 'build the model (model.build(inputShape)) before exporting',
    });
  }
  if (!Array.isArray(obj.layers) || obj.layers.length === 0)
    fail('expected a non-empty list', { where: `${where}.layers` });
  const shape = readShape(obj.inputShape, `${where}.inputShape`);
  let previous = 'input';
  const layers = obj.layers.map((v, i) => {
    const at = `${where}.layers[${i}]`;
    const layer = asObject(v, at);
    const config = asObject(layer.config, `${at}.config`);
    const name = readName(config.name, `${at}.config.name`);
    const out = {
      name,
      className: readClass(layer.className, `${at}.className`),
      config,
      inbound: [previous],
    };
    previous = name;
    return out;
  });
  return {
    name: 'sequential',
    inputs: [{ name: 'input', shape, dtype: 'float32' }],
    layers,
    outputs: [previous],
  };
}

function readName(value: unknown, where: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(value)) {
    fail(`expected a layer name, got ${JSON.stringify(value)}`, { where });
  }
  return value;
}

function readShape(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || !value.every((d) => Number.isInteger(d) && d > 0)) {
    fail('expected a per-sample shape of positive integers', { where });
  }
  return value as number[];
}

function readClass(value: unknown, where: string): string {
  if (typeof value !== 'string') fail(`expected a layer class name, got ${JSON.stringify(value)}`, { where });
  return value;
}
