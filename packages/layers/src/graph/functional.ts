import { type DType, fail, type JsonObject, ReptileError, type Shape, type Tensor } from '@reptile/core';
import type { ActivationName } from '../activations.ts';
import { initialize } from '../initializers.ts';
import { type CallContext, type Layer, snakeCase } from '../layer.ts';
import { deriveSeed } from '../random.ts';
import { layerToConfig } from '../registry.ts';
import type { ApplyOptions, NamedWeightSpec } from '../sequential.ts';
import { parseFunctionalConfig } from './functional-config.ts';
import { checkInputs, type GraphInput, type GraphInputs } from './graph-inputs.ts';
import { MergeLayer } from './merge.ts';
import { runGraph } from './run-graph.ts';
import { graphSummary } from './summary-table.ts';

export type { GraphInput, GraphInputs } from './graph-inputs.ts';

/** One layer of the graph and the values it reads (input names or earlier layer names). */
export interface GraphNode {
  readonly layer: Layer;
  readonly inbound: readonly string[];
}

interface Built {
  /** Per-sample shape of every value: inputs and layer outputs. */
  readonly shapes: ReadonlyMap<string, Shape>;
  readonly weights: readonly NamedWeightSpec[];
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * A DAG of layers: named inputs, each layer applied to one value (or several, for a
 * `MergeLayer`), one or more named outputs. Every value is named after what produced it (an
 * input or a layer), which is also how the JSON config refers to it. Like `Sequential`, weights
 * live outside as one list in layer order, and `apply` is a pure function of (weights, inputs).
 *
 * Built by hand:
 *   const model = new Functional();
 *   const x = model.input('x', [4]);
 *   const h = model.add(new Dense({ units: 4, activation: 'relu' }), x);
 *   model.output(model.add(new Add(), [h, x]));
 *
 * A layer instance appears once: shared layers (one layer applied twice, sharing weights) are
 * refused, because a weight path names exactly one use.
 */
export class Functional {
  readonly className = 'Functional';
  readonly name: string;
  private readonly inputList: GraphInput[] = [];
  private readonly nodeList: GraphNode[] = [];
  private readonly outputList: string[] = [];
  private state: Built | undefined;

  constructor(options: { readonly name?: string } = {}) {
    this.name = options.name ?? 'model';
  }

  get inputs(): readonly GraphInput[] {
    return this.inputList;
  }

  get nodes(): readonly GraphNode[] {
    return this.nodeList;
  }

  get layers(): readonly Layer[] {
    return this.nodeList.map((n) => n.layer);
  }

  get outputNames(): readonly string[] {
    return this.outputList;
  }

  /** Declares an input of per-sample `shape` (no batch axis); returns its name for `add`. */
  input(name: string, shape: Shape, dtype: DType = 'float32'): string {
    const where = `Functional '${this.name}' input '${name}'`;
    this.checkOpen(where);
    this.checkNewName(name, where);
    if (!shape.every((d) => Number.isInteger(d) && d > 0))
      fail(`shape [${shape}] must be positive integers`, {
        where,
        hint: 'give the per-sample shape, without the batch axis',
      });
    this.inputList.push({ name, shape: [...shape], dtype });
    return name;
  }

  /**
   * Applies `layer` to the named values (one, or two or more for a merge layer), naming it
   * `<class>_<n>` unless it has a name; returns the name of its output value.
   */
  add(layer: Layer, inbound: string | readonly string[]): string {
    const label = layer.hasName ? `layer '${layer.name}'` : layer.className;
    const where = `Functional '${this.name}' ${label}`;
    this.checkOpen(where);
    if (this.nodeList.some((n) => n.layer === layer))
      fail(`${label} is already used in this model`, {
        where: `Functional '${this.name}'`,
        hint: 'shared layers are not supported: create a second layer instance for the second use',
      });
    const names = typeof inbound === 'string' ? [inbound] : [...inbound];
    const known = this.valueNames();
    for (const name of names) {
      if (!known.includes(name))
        fail(`unknown inbound '${name}'`, {
          where,
          hint: `known values: ${known.join(', ') || '(none)'}; inputs and layers must come before the layers that read them`,
        });
    }
    if (layer instanceof MergeLayer) {
      if (names.length < 2)
        fail(`${layer.className} needs at least 2 inbound values, got ${names.length}`, { where });
    } else if (names.length !== 1) {
      fail(`takes exactly 1 inbound value, got ${names.length} (${names.join(', ')})`, {
        where,
        hint: 'merge several values first with Add or Concatenate',
      });
    }
    if (layer.hasName) this.checkNewName(layer.name, where);
    else {
      const prefix = snakeCase(layer.className);
      let n = this.nodeList.filter((node) => node.layer.className === layer.className).length + 1;
      while (known.includes(`${prefix}_${n}`)) n++;
      layer.setName(`${prefix}_${n}`);
    }
    this.nodeList.push({ layer, inbound: names });
    return layer.name;
  }

  /** Marks a value (a layer's or an input's) as a model output, in call order. */
  output(name: string): this {
    const where = `Functional '${this.name}' outputs`;
    this.checkOpen(where);
    if (!this.valueNames().includes(name))
      fail(`'${name}' is not produced by any input or layer`, {
        where,
        hint: `outputs name values of the graph: ${this.valueNames().join(', ')}`,
      });
    if (this.outputList.includes(name)) fail(`'${name}' is listed twice`, { where });
    this.outputList.push(name);
    return this;
  }

  get built(): boolean {
    return this.state !== undefined;
  }

  /**
   * Builds every layer from the input shapes. `inputShape` is optional and only checked (for
   * callers written against Sequential's `build(shape)`), since the inputs declare their shapes.
   */
  build(inputShape?: Shape): void {
    if (inputShape !== undefined && this.inputShape.join(',') !== inputShape.join(','))
      fail(`the input takes [${this.inputShape}] per sample, got [${inputShape}]`, {
        where: `Functional '${this.name}'`,
      });
    if (this.state) return;
    const where = `Functional '${this.name}'`;
    if (this.inputList.length === 0)
      fail('the model has no inputs', { where, hint: "declare them with model.input('x', shape)" });
    if (this.outputList.length === 0)
      fail('the model has no outputs', { where, hint: 'mark them with model.output(name)' });
    const shapes = new Map<string, Shape>(this.inputList.map((i) => [i.name, i.shape]));
    const weights: NamedWeightSpec[] = [];
    this.nodeList.forEach(({ layer, inbound }, index) => {
      const ins = inbound.map((n) => shapes.get(n)!);
      const specs = layer instanceof MergeLayer ? layer.buildMany(ins) : layer.build(ins[0]!);
      for (const spec of specs) weights.push({ ...spec, path: `${layer.name}/${spec.name}`, layer: index });
      const out =
        layer instanceof MergeLayer ? layer.computeOutputShapeMany(ins) : layer.computeOutputShape(ins[0]!);
      shapes.set(layer.name, [...out]);
    });
    this.state = { shapes, weights };
  }

  private get builtState(): Built {
    if (!this.state) this.build();
    return this.state!;
  }

  /** Per-sample shape of a value (an input or a layer output). */
  shapeOf(name: string): Shape {
    return (
      this.builtState.shapes.get(name) ??
      fail(`no value named '${name}'`, {
        where: `Functional '${this.name}'`,
        hint: `values: ${this.valueNames().join(', ')}`,
      })
    );
  }

  /** The input's per-sample shape, for single-input models (else read `inputs`). */
  get inputShape(): Shape {
    return this.single(this.inputList, 'input', 'inputs').shape;
  }

  /** The output's per-sample shape, for single-output models (else `shapeOf(name)`). */
  get outputShape(): Shape {
    return this.shapeOf(this.single(this.outputList, 'output', 'outputNames'));
  }

  /** Every weight in model order: layer by layer (graph order), each layer's in declaration order. */
  get weights(): readonly NamedWeightSpec[] {
    return this.builtState.weights;
  }

  /** Fresh initial values; each weight draws from deriveSeed(seed, path), as in Sequential. */
  initWeights(seed: number): Tensor[] {
    return this.weights.map((w) => initialize(w.initializer, w.shape, w.dtype, deriveSeed(seed, w.path)));
  }

  /** The fusable output activation of the single output (see Sequential.outputActivation). */
  get outputActivation(): ActivationName | undefined {
    return this.outputActivations[this.single(this.outputList, 'output', 'outputActivations')];
  }

  /** Each output's fusable activation (undefined for an output that is an input or has none). */
  get outputActivations(): Readonly<Record<string, ActivationName | undefined>> {
    return Object.fromEntries(this.outputList.map((o) => [o, this.producer(o)?.outputActivation]));
  }

  /**
   * The forward pass of a single-output model. `inputs` is one tensor [batch, ...shape] for a
   * single-input model, or a record by input name. Multi-output models use `applyNamed`.
   */
  apply(
    weights: readonly Tensor[],
    inputs: Tensor | GraphInputs,
    ctx: CallContext,
    options: ApplyOptions = {},
  ): Tensor {
    const name = this.single(
      this.outputList,
      'output',
      'outputNames',
      'use applyNamed for a model with several outputs',
    );
    return this.applyNamed(weights, inputs, ctx, options)[name]!;
  }

  /**
   * The forward pass, returning every output by name (converters and multi-head losses need
   * the names). With `logits`, each output produced by a layer stops before that layer's
   * output activation; layers that read it still see the activated value.
   */
  applyNamed(
    weights: readonly Tensor[],
    inputs: Tensor | GraphInputs,
    ctx: CallContext,
    options: ApplyOptions = {},
  ): Record<string, Tensor> {
    const { weights: specs } = this.builtState;
    const where = `Functional '${this.name}'.apply`;
    if (weights.length !== specs.length)
      fail(`got ${weights.length} weights for ${specs.length} (${specs.map((s) => s.path).join(', ')})`, {
        where,
      });
    const values = checkInputs(this.inputList, inputs, where);
    const logitsFor = new Set(options.logits ? this.outputList : []);
    const logits = runGraph({ nodes: this.nodeList, specs }, weights, values, ctx, logitsFor);
    return Object.fromEntries(this.outputList.map((o) => [o, logits.get(o) ?? values.get(o)!]));
  }

  getConfig(): JsonObject {
    return {
      className: this.className,
      name: this.name,
      inputs: this.inputList.map((i) => ({ name: i.name, shape: [...i.shape], dtype: i.dtype })),
      layers: this.nodeList.map((n) => ({ ...layerToConfig(n.layer), inbound: [...n.inbound] })),
      outputs: [...this.outputList],
    };
  }

  /** Rebuilds a built model from `getConfig()` output (docs/models.md, "Functional config"). */
  static fromConfig(value: unknown, where = 'model'): Functional {
    const parsed = parseFunctionalConfig(value, where);
    const model = new Functional({ name: parsed.name });
    for (const input of parsed.inputs) model.input(input.name, input.shape, input.dtype);
    for (const node of parsed.layers) atPath(node.where, () => model.add(node.layer, node.inbound));
    for (const output of parsed.outputs) atPath(output.where, () => model.output(output.name));
    atPath(where, () => model.build());
    return model;
  }

  /** A table of inputs and layers with their inbound values, output shapes and parameter counts. */
  summary(): string {
    return graphSummary(this.inputList, this.nodeList, this.state?.shapes, this.outputList);
  }

  private producer(value: string): Layer | undefined {
    return this.nodeList.find((n) => n.layer.name === value)?.layer;
  }

  private valueNames(): string[] {
    return [...this.inputList.map((i) => i.name), ...this.nodeList.map((n) => n.layer.name)];
  }

  private checkOpen(where: string): void {
    if (this.state)
      fail('cannot change a built model', {
        where,
        hint: 'declare every input, layer and output before using the model',
      });
  }

  private checkNewName(name: string, where: string): void {
    if (!NAME.test(name))
      fail(`name '${name}' is not allowed`, {
        where,
        hint: 'use letters, digits, _ . - and start with a letter',
      });
    if (this.valueNames().includes(name))
      fail(`duplicate name '${name}'`, {
        where,
        hint: 'inputs and layers share one namespace; names must be unique',
      });
  }

  private single<T>(list: readonly T[], what: string, plural: string, hint?: string): T {
    if (list.length !== 1)
      fail(`the model has ${list.length} ${what}s, not one`, {
        where: `Functional '${this.name}'`,
        hint: hint ?? `read ${plural} instead`,
      });
    return list[0]!;
  }
}

/** Re-raises a ReptileError under a config path, so errors point into the JSON. */
function atPath<T>(where: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ReptileError) fail(error.message, { where });
    throw error;
  }
}
