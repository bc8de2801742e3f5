import { fail } from '@reptile/core';
import { readEndpoints, readInbound } from './inbound-nodes.ts';

/** A Keras layer as found in a topology, before its class and fields are translated. */
export interface KerasLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Record<string, unknown>;
  /** Names of the layers (or inputs) feeding it, in argument order. */
  readonly inbound: readonly string[];
}

export interface KerasInput {
  readonly name: string;
  /** Per sample, batch axis removed. */
  readonly shape: readonly number[];
  readonly dtype: string;
}

/** A Sequential or Functional topology as one graph with single-output layers. */
export interface KerasGraph {
  readonly name: string;
  readonly inputs: readonly KerasInput[];
  /** Topologically ordered, inputs excluded. */
  readonly layers: readonly KerasLayer[];
  readonly outputs: readonly string[];
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];
const MAX_NESTING = 8;

/**
 * Reads modelTopology as tfjs-layers writes it (`{class_name, config}`) or as the Keras
 * converter writes it (`{model_config: {class_name, config}}`). Sequential stacks become a
 * chain; Functional ("Model") graphs keep their inbound nodes, in the tfjs/Keras 2 list form
 * `[[[name, node, tensor, kwargs], ...]]` or the Keras 3 form `{args: [keras tensors]}`.
 */
export function readTopology(topology: unknown, where: string, depth = 0): KerasGraph {
  if (!isObj(topology))
    fail('modelTopology must be an object', { where, hint: 'is this a LayersModel model.json?' });
  if (depth > MAX_NESTING) fail(`models are nested more than ${MAX_NESTING} deep`, { where });
  const model = isObj(topology.model_config) ? topology.model_config : topology;
  const at = isObj(topology.model_config) ? `${where}.model_config` : where;
  const className = model.class_name;
  if (className === 'Sequential') return readSequential(model.config, `${at}.config`, depth);
  if (className === 'Model' || className === 'Functional')
    return readFunctional(model.config, `${at}.config`, depth);
  return fail(`class_name ${JSON.stringify(className)} is not a Sequential or Functional model`, {
    where: `${at}.class_name`,
  });
}

function readLayerEntry(value: unknown, where: string): { className: string; config: Obj; name: string } {
  if (!isObj(value)) fail('expected a layer {class_name, config}', { where });
  const className = value.class_name;
  if (typeof className !== 'string') fail('class_name must be a string', { where: `${where}.class_name` });
  if (!isObj(value.config)) fail('config must be an object', { where: `${where}.config` });
  const name = value.name ?? value.config.name;
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) {
    fail(`layer name ${JSON.stringify(name)} is not usable`, {
      where: `${where}.name`,
      hint: 'Reptile layer names start with a letter and use letters, digits, _ . - (they become weight paths)',
    });
  }
  return { className, config: value.config, name };
}

function batchShape(config: Obj, where: string): readonly number[] | undefined {
  const key =
    'batch_input_shape' in config ? 'batch_input_shape' : 'batch_shape' in config ? 'batch_shape' : undefined;
  if (key === undefined) return undefined;
  const shape = config[key];
  if (!Array.isArray(shape) || shape.length === 0)
    fail('expected [batch, ...dims]', { where: `${where}.${key}` });
  const dims = shape.slice(1);
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
    fail(`per-sample shape ${JSON.stringify(dims)} must be fully known`, {
      where: `${where}.${key}`,
      hint: 'Reptile builds weights for a fixed per-sample shape; give every non-batch dimension a size',
    });
  }
  const size = (dims as number[]).reduce((a, b) => a * b, 1);
  if (size > MAX_SAMPLE_ELEMENTS) {
    fail(`per-sample shape [${dims}] has ${size} elements, more than ${MAX_SAMPLE_ELEMENTS}`, {
      where: `${where}.${key}`,
      hint: 'tensor sizes are int32-indexed; is the shape in model.json corrupted?',
    });
  }
  return dims as number[];
}

const MAX_SAMPLE_ELEMENTS = 2 ** 31 - 1;

function inputDtype(config: Obj, where: string): string {
  // Keras 3 writes a DTypePolicy object where tfjs and Keras 2 write a string.
  const policy = isObj(config.dtype) && isObj(config.dtype.config) ? config.dtype.config.name : undefined;
  const dtype = policy ?? config.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') {
    fail(`input dtype ${JSON.stringify(dtype)} is not supported`, {
      where: `${where}.dtype`,
      hint: 'use float32 or int32',
    });
  }
  if (config.sparse === true || config.ragged === true) {
    fail('sparse and ragged inputs are not supported', { where });
  }
  return dtype;
}

function readSequential(config: unknown, where: string, depth: number): KerasGraph {
  // Keras < 2.2.3 wrote the layer list itself as the config.
  const layersValue = Array.isArray(config) ? config : isObj(config) ? config.layers : undefined;
  const layersAt = Array.isArray(config) ? where : `${where}.layers`;
  if (!Array.isArray(layersValue) || layersValue.length === 0)
    fail('expected a non-empty layer list', { where: layersAt });
  const name = isObj(config) && typeof config.name === 'string' ? config.name : 'sequential';
  const entries = layersValue.map((l, i) => ({
    ...readLayerEntry(l, `${layersAt}[${i}]`),
    at: `${layersAt}[${i}]`,
  }));
  let input: KerasInput;
  if (entries[0]!.className === 'InputLayer') {
    const first = entries.shift()!;
    const shape = batchShape(first.config, `${first.at}.config`);
    if (!shape) fail('InputLayer has no batch_input_shape', { where: `${first.at}.config` });
    input = { name: first.name, shape, dtype: inputDtype(first.config, `${first.at}.config`) };
  } else if (MODEL_CLASSES.includes(entries[0]!.className) && !batchShape(entries[0]!.config, '')) {
    // A nested model first: the stack's input is the nested model's input.
    const first = entries[0]!;
    const inner = readTopology(
      { class_name: first.className, config: first.config },
      `${first.at}`,
      depth + 1,
    );
    if (inner.inputs.length !== 1)
      fail('a nested model inside a Sequential must have one input', { where: first.at });
    input = { ...inner.inputs[0]!, name: `${first.name}_input` };
  } else {
    const first = entries[0]!;
    const shape = batchShape(first.config, `${first.at}.config`);
    if (!shape) {
      fail('the first layer has no batch_input_shape, so the input shape is unknown', {
        where: `${first.at}.config`,
        hint: 'build the model with inputShape on its first layer before saving',
      });
    }
    const dtype = inputDtype(first.config, `${first.at}.config`);
    input = { name: `${first.name}_input`, shape, dtype };
  }
  if (entries.length === 0) fail('the model has no layers besides its input', { where: layersAt });
  let previous = input.name;
  const chain = entries.map((e) => {
    const layer = { name: e.name, className: e.className, config: e.config, inbound: [previous], at: e.at };
    previous = e.name;
    return layer;
  });
  const { layers, alias } = inlineNested(chain, depth);
  checkUnique([input.name, ...layers.map((l) => l.name)], layersAt);
  return { name, inputs: [input], layers, outputs: [alias.get(previous) ?? previous] };
}

function readFunctional(config: unknown, where: string, depth: number): KerasGraph {
  if (!isObj(config)) fail('expected an object', { where });
  if (!Array.isArray(config.layers)) fail('expected a layer list', { where: `${where}.layers` });
  const inputs: KerasInput[] = [];
  const entries: (KerasLayer & { at: string })[] = [];
  config.layers.forEach((value, i) => {
    const at = `${where}.layers[${i}]`;
    const e = readLayerEntry(value, at);
    if (e.className === 'InputLayer') {
      const shape = batchShape(e.config, `${at}.config`);
      if (!shape) fail('InputLayer has no batch_input_shape', { where: `${at}.config` });
      inputs.push({ name: e.name, shape, dtype: inputDtype(e.config, `${at}.config`) });
    } else {
      entries.push({
        name: e.name,
        className: e.className,
        config: e.config,
        inbound: readInbound((value as Obj).inbound_nodes, `${at}.inbound_nodes`),
        at,
      });
    }
  });
  checkUnique([...inputs.map((l) => l.name), ...entries.map((l) => l.name)], `${where}.layers`);
  const inputNames = readEndpoints(config.input_layers, `${where}.input_layers`);
  const { layers, alias } = inlineNested(topoOrder(entries, new Set(inputNames), where), depth);
  checkUnique([...inputs.map((l) => l.name), ...layers.map((l) => l.name)], `${where}.layers`);
  const outputs = readEndpoints(config.output_layers, `${where}.output_layers`).map((o) => alias.get(o) ?? o);
  // Keras lists model inputs in input_layers order, which is the order predict() takes them.
  const ordered = inputNames.map(
    (n) =>
      inputs.find((i) => i.name === n) ??
      fail(`'${n}' is not an InputLayer`, { where: `${where}.input_layers` }),
  );
  if (ordered.length !== inputs.length)
    fail('every InputLayer must be a model input', { where: `${where}.input_layers` });
  return {
    name: typeof config.name === 'string' ? config.name : 'model',
    inputs: ordered,
    layers,
    outputs,
  };
}

function checkUnique(names: readonly string[], where: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) fail(`layer name '${n}' appears twice`, { where });
    seen.add(n);
  }
}

/** Keras lists layers by depth, which is topological; this also refuses cycles and unknown names. */
function topoOrder<L extends KerasLayer>(
  layers: readonly L[],
  inputs: ReadonlySet<string>,
  where: string,
): L[] {
  const done = new Set(inputs);
  const known = new Set([...inputs, ...layers.map((l) => l.name)]);
  for (const l of layers) {
    for (const src of l.inbound) {
      if (!known.has(src))
        fail(`layer '${l.name}' takes '${src}', which is not a layer or input`, { where: `${where}.layers` });
    }
  }
  const out: L[] = [];
  let pending = [...layers];
  while (pending.length > 0) {
    const ready = pending.filter((l) => l.inbound.every((s) => done.has(s)));
    if (ready.length === 0)
      fail(`layers ${pending.map((l) => `'${l.name}'`).join(', ')} form a cycle`, {
        where: `${where}.layers`,
      });
    for (const l of ready) {
      out.push(l);
      done.add(l.name);
    }
    pending = pending.filter((l) => !done.has(l.name));
  }
  return out;
}

/**
 * Replaces each nested model (a Sequential or Functional used as a layer, as in Keras transfer
 * learning) by its layers: its inputs become the values feeding it, and readers of the nested
 * model read its output. Layer names stay as they are; tfjs names the nested layers' weights
 * after them, so the weight lookup is unchanged.
 */
function inlineNested(
  layers: readonly (KerasLayer & { at: string })[],
  depth: number,
): { layers: KerasLayer[]; alias: Map<string, string> } {
  const alias = new Map<string, string>();
  const out: KerasLayer[] = [];
  for (const l of layers) {
    const inbound = l.inbound.map((n) => alias.get(n) ?? n);
    if (!MODEL_CLASSES.includes(l.className)) {
      out.push({ name: l.name, className: l.className, config: l.config, inbound });
      continue;
    }
    const inner = readTopology({ class_name: l.className, config: l.config }, l.at, depth + 1);
    if (inner.inputs.length !== inbound.length || inner.outputs.length !== 1) {
      fail(
        `nested model '${l.name}' has ${inner.inputs.length} inputs and ${inner.outputs.length} outputs, called with ${inbound.length} values`,
        { where: l.at, hint: 'nested models must have one output and be called on all their inputs' },
      );
    }
    const rename = new Map(inner.inputs.map((input, i) => [input.name, inbound[i]!]));
    for (const layer of inner.layers) {
      out.push({ ...layer, inbound: layer.inbound.map((n) => rename.get(n) ?? n) });
    }
    const output = inner.outputs[0]!;
    alias.set(l.name, rename.get(output) ?? output);
  }
  return { layers: out, alias };
}
