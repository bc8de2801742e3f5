import {
  type DType,
  fail,
  type JsonObject,
  type RegularizerConfig,
  type Shape,
  type Tensor,
} from '@reptile/core';
import type { ActivationName } from './activations.ts';
import type { InitializerName } from './initializers.ts';

/** One weight a layer needs, declared at build time; the container names it `<layer>/<name>`. */
export interface WeightSpec {
  /** Local name inside the layer: 'kernel', 'bias', 'movingMean'. */
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly initializer: InitializerName;
  /** false for state that is updated by the forward pass, not by the optimizer (BatchNorm statistics). */
  readonly trainable: boolean;
  /** A penalty added to the loss (docs/configs.md regularizer config). */
  readonly regularizer?: RegularizerConfig;
}

/** The weights of one layer, by local name. */
export type LayerWeights = Readonly<Record<string, Tensor>>;

/**
 * What a forward pass needs besides inputs and weights. Training versus inference is explicit:
 * nothing in a layer reads a global mode flag.
 */
export interface CallContext {
  readonly training: boolean;
  /**
   * Uniform [0, 1) noise of `shape` (Dropout masks). The frontend supplies it: eager frontends
   * draw from a seeded generator; a frontend that traces one graph for every step feeds fresh
   * values through a graph input, so the noise never freezes into a constant.
   */
  uniform(shape: Shape, dtype: DType): Tensor;
  /**
   * Receives new values of non-trainable weights computed in training mode (BatchNorm moving
   * statistics), keyed by full weight name. Absent when the caller does not keep such state.
   */
  readonly updates?: Map<string, Tensor>;
}

/**
 * A layer is a pure function of (input, weights, context) plus the shape logic that declares
 * its weights. It holds no weight values: a container owns them as one ordered list, which is
 * what optimizers, checkpoints and exporters see.
 */
export abstract class Layer {
  abstract readonly className: string;
  private assignedName: string | undefined;
  private builtFor: Shape | undefined;
  private specs: readonly WeightSpec[] = [];

  constructor(name?: string) {
    if (name !== undefined) this.setName(name);
  }

  /** The layer's name, assigned when added to a model unless given explicitly. */
  get name(): string {
    return (
      this.assignedName ??
      fail(`${this.className} has no name yet`, { hint: 'add the layer to a model first or pass a name' })
    );
  }

  get hasName(): boolean {
    return this.assignedName !== undefined;
  }

  /** Set by the container; names are unique within one model. */
  setName(name: string): void {
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) {
      fail(`layer name '${name}' is not allowed`, {
        where: this.className,
        hint: 'use letters, digits, _ . - and start with a letter (names become weight paths like dense_1/kernel)',
      });
    }
    this.assignedName = name;
  }

  get built(): boolean {
    return this.builtFor !== undefined;
  }

  /** Per-sample input shape (no batch axis) the layer was built for. */
  get inputShape(): Shape {
    return this.builtFor ?? fail(`layer '${this.name}' is not built yet`);
  }

  get weightSpecs(): readonly WeightSpec[] {
    return this.specs;
  }

  /**
   * Declares the weights for a per-sample input shape. Building twice for the same shape is a
   * no-op; a different shape is refused (the weights already have their sizes).
   */
  build(inputShape: Shape): readonly WeightSpec[] {
    if (this.builtFor) {
      if (this.builtFor.join(',') !== inputShape.join(',')) {
        fail(`was built for inputs [${this.builtFor}] per sample, got [${inputShape}]`, {
          where: `layer '${this.name}'`,
          hint: 'a layer instance belongs to one model; create a new layer for another input shape',
        });
      }
      return this.specs;
    }
    this.specs = this.createWeights(inputShape);
    this.builtFor = [...inputShape];
    return this.specs;
  }

  protected createWeights(_inputShape: Shape): WeightSpec[] {
    return [];
  }

  /** Per-sample output shape for a per-sample input shape. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /** The forward pass on a batch (axis 0 is the batch). */
  abstract call(x: Tensor, weights: LayerWeights, ctx: CallContext): Tensor;

  /**
   * The activation this layer ends with, when a loss may fuse it (softmax + cross-entropy is
   * computed as log-softmax on the logits, which never takes log of 0).
   */
  get outputActivation(): ActivationName | undefined {
    return undefined;
  }

  /** `call` without the output activation, i.e. the logits that activation would consume. */
  callWithoutOutputActivation(x: Tensor, weights: LayerWeights, ctx: CallContext): Tensor {
    return this.call(x, weights, ctx);
  }

  /** JSON config that `layerFromConfig` turns back into an equal, unbuilt layer. */
  abstract getConfig(): JsonObject;
}

/**
 * snake_case of a class name, the prefix of generated layer names, by Keras' rule (so generated
 * names match Keras and tfjs): Dense → dense, BatchNormalization → batch_normalization,
 * Conv2D → conv2d, MaxPool2D → max_pool2d, GlobalAveragePooling2D → global_average_pooling2d.
 */
export function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
