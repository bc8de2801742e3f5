import { type DType, fail, type JsonObject, readBoolean, type Shape, type Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights, type WeightSpec } from '../layer.ts';
import { defined, readFloatDType, readOptionalName, readOptions } from '../options.ts';
import { broadcastShape, checkBatch, readAxis, resolveFeatureAxis } from './axes.ts';
import { readEpsilon, readMomentum } from './conventions.ts';

export interface BatchNormalizationOptions {
  /** The feature axis, counting the batch axis (Keras): -1 for channels-last, 1 for NCHW. */
  readonly axis?: number;
  /** Keras convention: moving = momentum·moving + (1 − momentum)·batch (torch's is 1 − this). */
  readonly momentum?: number;
  readonly epsilon?: number;
  readonly center?: boolean;
  readonly scale?: boolean;
  readonly dtype?: 'float32' | 'float64';
  readonly name?: string;
}

const FIELDS = ['axis', 'momentum', 'epsilon', 'center', 'scale', 'dtype', 'name'];

/**
 * Ioffe & Szegedy 2015. Training normalizes with the batch mean and population (biased)
 * variance over every axis except `axis`, and reports the new moving statistics through
 * `ctx.updates` under `<layer>/movingMean` and `<layer>/movingVariance`. The moving variance is
 * updated with the biased batch variance, as Keras does; torch uses the unbiased one
 * (conventions.ts converts). Inference normalizes with the moving statistics.
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly dtype: DType;

  constructor(options: BatchNormalizationOptions = {}) {
    const where = 'BatchNormalization';
    const o = readOptions(options, FIELDS, where);
    super(readOptionalName(o.name, `${where}.name`));
    this.axis = readAxis(o.axis ?? -1, `${where}.axis`);
    this.momentum = readMomentum(o.momentum ?? 0.99, `${where}.momentum`);
    this.epsilon = readEpsilon(o.epsilon ?? 1e-3, `${where}.epsilon`);
    this.center = readBoolean(o, 'center', true, where);
    this.scale = readBoolean(o, 'scale', true, where);
    this.dtype = readFloatDType(o.dtype, `${where}.dtype`);
  }

  /** The feature axis of the batched input, in 1..rank−1. */
  featureAxis(inputShape: Shape = this.inputShape): number {
    return resolveFeatureAxis(
      this.axis,
      inputShape,
      `layer '${this.hasName ? this.name : this.className}'.axis`,
    );
  }

  protected override createWeights(inputShape: Shape): WeightSpec[] {
    const features = inputShape[this.featureAxis(inputShape) - 1]!;
    const spec = (name: string, initializer: 'ones' | 'zeros', trainable: boolean): WeightSpec => ({
      name,
      shape: [features],
      dtype: this.dtype,
      initializer,
      trainable,
    });
    return [
      ...(this.scale ? [spec('gamma', 'ones', true)] : []),
      ...(this.center ? [spec('beta', 'zeros', true)] : []),
      spec('movingMean', 'zeros', false),
      spec('movingVariance', 'ones', false),
    ];
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.featureAxis(inputShape);
    return [...inputShape];
  }

  call(x: Tensor, weights: LayerWeights, ctx: CallContext): Tensor {
    const where = `layer '${this.name}'`;
    checkBatch(x, this.inputShape, where);
    const axis = this.featureAxis();
    const features = x.shape[axis]!;
    const shape = broadcastShape(x.rank, [axis], [features]);
    const reduce = x.shape.map((_, i) => i).filter((i) => i !== axis);
    const movingMean = need(weights, 'movingMean', where);
    const movingVariance = need(weights, 'movingVariance', where);
    let mean: Tensor;
    let variance: Tensor;
    if (ctx.training) {
      mean = x.mean(reduce, true);
      const centred = x.sub(mean);
      variance = centred.mul(centred).mean(reduce, true);
      if (ctx.updates) {
        const m = this.momentum;
        ctx.updates.set(
          `${this.name}/movingMean`,
          movingMean.mul(m).add(mean.reshape([features]).mul(1 - m)),
        );
        ctx.updates.set(
          `${this.name}/movingVariance`,
          movingVariance.mul(m).add(variance.reshape([features]).mul(1 - m)),
        );
      }
    } else {
      mean = movingMean.reshape(shape);
      variance = movingVariance.reshape(shape);
    }
    let y = x.sub(mean).div(variance.add(this.epsilon).sqrt());
    if (this.scale) y = y.mul(need(weights, 'gamma', where).reshape(shape));
    if (this.center) y = y.add(need(weights, 'beta', where).reshape(shape));
    return y;
  }

  getConfig(): JsonObject {
    return defined({
      name: this.hasName ? this.name : undefined,
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      dtype: this.dtype,
    });
  }
}

function need(weights: LayerWeights, name: string, where: string): Tensor {
  return (
    weights[name] ??
    fail(`weight '${name}' is missing`, { where, hint: 'pass every weight the layer declared' })
  );
}
