import { asObject, type DType, fail, type JsonObject, type Shape, type Tensor } from '@reptile/core';
import type { ActivationName } from './activations.ts';
import { Functional } from './graph/functional.ts';
import { initialize } from './initializers.ts';
import { type CallContext, type Layer, type LayerWeights, snakeCase, type WeightSpec } from './layer.ts';
import { deriveSeed } from './random.ts';
import { layerFromConfig, layerToConfig } from './registry.ts';

/** A layer's weight with its model-wide path, e.g. 'dense_1/kernel'. */
export interface NamedWeightSpec extends WeightSpec {
  readonly path: string;
  /** Index of the owning layer. */
  readonly layer: number;
}

export interface ApplyOptions {
  /** Stop before the final layer's output activation (see `outputActivation`). */
  readonly logits?: boolean;
}

interface Built {
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly weights: readonly NamedWeightSpec[];
}

/**
 * A stack of layers, each feeding the next. Building (on the first batch, or explicitly) fixes
 * every shape and declares the weights in layer order; the weight values live outside, as one
 * list in `weights` order, so a training step is a pure function of (weights, batch).
 */
export class Sequential {
  readonly className = 'Sequential';
  private readonly stack: Layer[] = [];
  private state: Built | undefined;

  constructor(layers: readonly Layer[] = []) {
    for (const layer of layers) this.add(layer);
  }

  get layers(): readonly Layer[] {
    return this.stack;
  }

  /** Appends a layer, naming it `<class>_<n>` (dense_1, dense_2, ...) unless it has a name. */
  add(layer: Layer): this {
    if (this.state) {
      fail('cannot add layers to a built model', {
        where: 'Sequential.add',
        hint: 'add every layer before the first fit/predict, or start a new model',
      });
    }
    if (this.stack.includes(layer)) {
      fail(`layer '${layer.hasName ? layer.name : layer.className}' is already in this model`, {
        where: 'Sequential.add',
        hint: 'create a new layer instance for each position',
      });
    }
    const taken = new Set(this.stack.map((l) => l.name));
    if (layer.hasName) {
      if (taken.has(layer.name))
        fail(`duplicate layer name '${layer.name}'`, {
          where: 'Sequential.add',
          hint: 'layer names must be unique in a model',
        });
    } else {
      const prefix = snakeCase(layer.className);
      let n = this.stack.filter((l) => l.className === layer.className).length + 1;
      while (taken.has(`${prefix}_${n}`)) n++;
      layer.setName(`${prefix}_${n}`);
    }
    this.stack.push(layer);
    return this;
  }

  get built(): boolean {
    return this.state !== undefined;
  }

  /** Builds every layer for a per-sample input shape (no batch axis). */
  build(inputShape: Shape): void {
    if (this.state) {
      if (this.state.inputShape.join(',') !== inputShape.join(','))
        fail(`was built for [${this.state.inputShape}] per sample, got [${inputShape}]`, {
          where: 'Sequential',
          hint: 'the data must have the same features as the data the model was built with',
        });
      return;
    }
    if (this.stack.length === 0)
      fail('the model has no layers', { where: 'Sequential', hint: 'add layers with model.add(...)' });
    let shape = [...inputShape];
    const weights: NamedWeightSpec[] = [];
    this.stack.forEach((layer, index) => {
      for (const spec of layer.build(shape))
        weights.push({ ...spec, path: `${layer.name}/${spec.name}`, layer: index });
      shape = [...layer.computeOutputShape(shape)];
    });
    this.state = { inputShape: [...inputShape], outputShape: shape, weights };
  }

  private get builtState(): Built {
    return (
      this.state ??
      fail('the model is not built yet', { hint: 'call build(inputShape) or train it on data first' })
    );
  }

  get inputShape(): Shape {
    return this.builtState.inputShape;
  }

  get outputShape(): Shape {
    return this.builtState.outputShape;
  }

  /** Every weight in model order: layer by layer, each layer's in declaration order. */
  get weights(): readonly NamedWeightSpec[] {
    return this.builtState.weights;
  }

  /** Fresh initial values; weight i draws from deriveSeed(seed, path), so it depends only on its own path. */
  initWeights(seed: number): Tensor[] {
    return this.weights.map((w) => initialize(w.initializer, w.shape, w.dtype, deriveSeed(seed, w.path)));
  }

  /** The final layer's fusable output activation ('softmax', 'sigmoid', ...), if any. */
  get outputActivation(): ActivationName | undefined {
    return this.stack[this.stack.length - 1]?.outputActivation;
  }

  /** The forward pass: x is [batch, ...inputShape]; `weights` are in `weights` order. */
  apply(weights: readonly Tensor[], x: Tensor, ctx: CallContext, options: ApplyOptions = {}): Tensor {
    const { inputShape, weights: specs } = this.builtState;
    if (x.rank !== inputShape.length + 1 || x.shape.slice(1).join(',') !== inputShape.join(',')) {
      fail(`expected inputs [batch, ${inputShape.join(', ')}], got [${x.shape.join(', ')}]`, {
        where: 'Sequential.apply',
        hint: 'the data must have the same features as the data the model was built with',
      });
    }
    if (weights.length !== specs.length) {
      fail(`got ${weights.length} weights for ${specs.length} (${specs.map((s) => s.path).join(', ')})`, {
        where: 'Sequential.apply',
      });
    }
    const byLayer: Record<string, Tensor>[] = this.stack.map(() => ({}));
    specs.forEach((spec, i) => {
      byLayer[spec.layer]![spec.name] = weights[i]!;
    });
    let h = x;
    const last = this.stack.length - 1;
    this.stack.forEach((layer, i) => {
      const w: LayerWeights = byLayer[i]!;
      h = i === last && options.logits ? layer.callWithoutOutputActivation(h, w, ctx) : layer.call(h, w, ctx);
    });
    return h;
  }

  /**
   * The same function as a graph: one input (named `input` unless a layer has that name), the
   * layers in order, each reading the previous one, and the last layer as the output. Layers
   * are fresh copies (same configs and names), so the weight paths and their order are
   * unchanged and this model's weight list applies as is. Needs a built model.
   */
  toFunctional(options: { readonly inputName?: string; readonly inputDtype?: DType } = {}): Functional {
    const { inputShape } = this.builtState;
    const names = new Set(this.stack.map((l) => l.name));
    let inputName = options.inputName ?? 'input';
    for (let n = 1; options.inputName === undefined && names.has(inputName); n++) inputName = `input_${n}`;
    const graph = new Functional({ name: 'sequential' });
    let value = graph.input(inputName, inputShape, options.inputDtype ?? 'float32');
    for (const layer of this.stack) value = graph.add(layerFromConfig(layerToConfig(layer)), value);
    graph.output(value).build();
    return graph;
  }

  getConfig(): JsonObject {
    return {
      className: this.className,
      ...(this.state ? { inputShape: [...this.state.inputShape] } : {}),
      layers: this.stack.map(layerToConfig),
    };
  }

  /** Rebuilds a model (built, when the config has an input shape) from `getConfig()` output. */
  static fromConfig(value: unknown, where = 'model'): Sequential {
    const obj = asObject(value, where);
    if (obj.className !== 'Sequential')
      fail(`expected className 'Sequential', got ${JSON.stringify(obj.className)}`, {
        where: `${where}.className`,
      });
    if (!Array.isArray(obj.layers)) fail('expected an array of layer configs', { where: `${where}.layers` });
    const model = new Sequential(obj.layers.map((l, i) => layerFromConfig(l, `${where}.layers[${i}]`)));
    if (obj.inputShape !== undefined) {
      const shape = obj.inputShape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0))
        fail('expected an array of positive integers', { where: `${where}.inputShape` });
      model.build(shape as number[]);
    }
    return model;
  }

  /** A table of layers, output shapes and parameter counts. */
  summary(): string {
    const rows: string[][] = [['layer', 'type', 'output shape', 'params']];
    let shape = this.state?.inputShape;
    let total = 0;
    this.stack.forEach((layer) => {
      shape = shape && layer.computeOutputShape(shape);
      const count = layer.weightSpecs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
      total += count;
      rows.push([layer.name, layer.className, shape ? `[batch, ${shape.join(', ')}]` : '?', String(count)]);
    });
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
    return [...rows.map(line), `total params: ${total}`].join('\n');
  }
}
