import { asObject, checkKeys, type DType, fail, parseDType, type Shape } from '@reptile/core';
import type { Layer } from '../layer.ts';
import { layerFromConfig } from '../registry.ts';
import type { GraphInput } from './graph-inputs.ts';

export interface ParsedFunctional {
  readonly name: string;
  readonly inputs: readonly GraphInput[];
  readonly layers: readonly {
    readonly layer: Layer;
    readonly inbound: readonly string[];
    readonly where: string;
  }[];
  readonly outputs: readonly { readonly name: string; readonly where: string }[];
}

function readArray(value: unknown, where: string, what: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) fail(`expected a non-empty array of ${what}`, { where });
  return value;
}

function readString(value: unknown, where: string): string {
  if (typeof value !== 'string') fail(`expected a string, got ${JSON.stringify(value)}`, { where });
  return value;
}

function readShape(value: unknown, where: string): Shape {
  if (!Array.isArray(value) || !value.every((d) => Number.isInteger(d) && d > 0))
    fail(`expected per-sample dimensions (positive integers), got ${JSON.stringify(value)}`, { where });
  return value as number[];
}

/**
 * Reads the JSON of docs/models.md ("Functional config") into inputs, unbuilt layers and
 * output names. Reference errors are reported here with their config path: a layer reading
 * itself or a later layer means the list is not in topological order (or the graph has a
 * cycle); anything else the graph builder checks as for hand-built models.
 */
export function parseFunctionalConfig(value: unknown, where: string): ParsedFunctional {
  const obj = asObject(value, where);
  if (obj.className !== 'Functional')
    fail(`expected className 'Functional', got ${JSON.stringify(obj.className)}`, {
      where: `${where}.className`,
    });
  checkKeys(obj, ['className', 'name', 'inputs', 'layers', 'outputs'], where);
  const name = obj.name === undefined ? 'model' : readString(obj.name, `${where}.name`);
  const declared = new Map<string, string>();
  const declare = (n: string, at: string) => {
    const previous = declared.get(n);
    if (previous !== undefined)
      fail(`duplicate name '${n}' (also at ${previous})`, {
        where: at,
        hint: 'inputs and layers share one namespace',
      });
    declared.set(n, at);
  };

  const inputs = readArray(obj.inputs, `${where}.inputs`, 'inputs').map((raw, i) => {
    const at = `${where}.inputs[${i}]`;
    const input = asObject(raw, at);
    checkKeys(input, ['name', 'shape', 'dtype'], at);
    const inputName = readString(input.name, `${at}.name`);
    declare(inputName, `${at}.name`);
    const dtype: DType = input.dtype === undefined ? 'float32' : parseDType(input.dtype, `${at}.dtype`);
    return { name: inputName, shape: readShape(input.shape, `${at}.shape`), dtype };
  });

  const rawLayers = Array.isArray(obj.layers)
    ? obj.layers
    : fail('expected an array of layers', { where: `${where}.layers` });
  const explicitNames = rawLayers.map((raw, i) => {
    const at = `${where}.layers[${i}]`;
    const layer = asObject(raw, at);
    checkKeys(layer, ['className', 'config', 'inbound'], at);
    const config = layer.config === undefined ? {} : asObject(layer.config, `${at}.config`);
    return typeof config.name === 'string' ? config.name : undefined;
  });
  const layers = rawLayers.map((raw, i) => {
    const at = `${where}.layers[${i}]`;
    const own = explicitNames[i];
    if (own !== undefined) declare(own, `${at}.config.name`);
    const inbound = readArray(asObject(raw, at).inbound, `${at}.inbound`, 'value names').map((v, k) => {
      const ref = readString(v, `${at}.inbound[${k}]`);
      const later = explicitNames.indexOf(ref, i);
      if (later === i)
        fail(`layer '${ref}' reads its own output`, {
          where: `${at}.inbound[${k}]`,
          hint: 'a model graph cannot have cycles',
        });
      if (later > i && !declared.has(ref))
        fail(`'${ref}' is defined later (layers[${later}])`, {
          where: `${at}.inbound[${k}]`,
          hint: 'list layers in topological order (each after the values it reads); a graph with a cycle has no such order',
        });
      return ref;
    });
    return { layer: layerFromConfig(raw, at), inbound, where: at };
  });

  const outputs = readArray(obj.outputs, `${where}.outputs`, 'value names').map((v, k) => ({
    name: readString(v, `${where}.outputs[${k}]`),
    where: `${where}.outputs[${k}]`,
  }));
  return { name, inputs, layers, outputs };
}
