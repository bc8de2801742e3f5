import { fail, type RegularizerConfig, regularizerFromConfig, type Tensor } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { differentiable } from './differentiable.ts';

/**
 * tfjs-layers accepts only instances of its `Regularizer` class as `kernelRegularizer` (it
 * checks `instanceof`), and does not export that class. Every built-in regularizer extends it,
 * so the class is the prototype parent of the class `tf.regularizers.l1()` is an instance of.
 * We check that what we found really is that base (an instance of it, with the abstract
 * `apply`) and fail loudly otherwise, rather than registering something tfjs would reject.
 */
type RegularizerClass = abstract new () => tf.serialization.Serializable & { apply(x: tf.Tensor): tf.Scalar };

function regularizerBase(): RegularizerClass {
  const sample = tfl.regularizers.l1({ l1: 0 });
  const base = Object.getPrototypeOf(sample.constructor) as RegularizerClass | null;
  const ok =
    typeof base === 'function' &&
    sample instanceof base &&
    base.prototype instanceof tf.serialization.Serializable &&
    typeof (sample as { apply?: unknown }).apply === 'function';
  if (!ok) {
    fail("could not find tfjs-layers' Regularizer base class", {
      where: '@reptile/tfjs',
      hint: 'this tfjs-layers version changed its class layout; please report it',
    });
  }
  return base;
}

const Base = regularizerBase();

/**
 * A Reptile regularizer (l1, l2, l1l2; docs/configs.md) as a tfjs-layers regularizer:
 * `tf.layers.dense({units, kernelRegularizer: reptileRegularizer({name: 'l2', l2: 1e-4})})`.
 * Registered for serialization, so saved models reload with it.
 */
export class ReptileRegularizer extends Base {
  static readonly className = 'ReptileRegularizer';
  readonly config: RegularizerConfig;
  private readonly penalty: (w: tf.Tensor) => tf.Tensor;

  constructor(config: unknown) {
    super();
    const reg = regularizerFromConfig(config);
    this.config = reg.config;
    this.penalty = differentiable((w: Tensor) => reg.penalty(w), [0]);
  }

  override apply(x: tf.Tensor): tf.Scalar {
    return this.penalty(x) as tf.Scalar;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.config } as tf.serialization.ConfigDict;
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { customObjects: _ignored, ...rest } = config as Record<string, unknown>;
    return new cls(rest) as T;
  }
}

tf.serialization.registerClass(ReptileRegularizer);

export function reptileRegularizer(config: unknown): ReptileRegularizer {
  return new ReptileRegularizer(config);
}
