import { type DType, fail, type JsonObject, readBoolean, type Shape, type Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights, type WeightSpec } from '../layer.ts';
import { defined, readFloatDType, readOptionalName, readOptions } from '../options.ts';
import { broadcastShape, checkBatch, readAxis, resolveFeatureAxis } from './axes.ts';
import { readEpsilon } from './conventions.ts';

export interface LayerNormalizationOptions {
  /** Axis or axes normalized over, counting the batch axis (Keras); -1 is the last. */
  readonly axis?: number | readonly number[];
  readonly epsilon?: number;
  readonly center?: boolean;
  readonly scale?: boolean;
  readonly dtype?: 'float32' | 'float64';
  readonly name?: string;
}

const FIELDS = ['axis', 'epsilon', 'center', 'scale', 'dtype', 'name'];

/**
 * Ba et al. 2016: each sample is normalized with its own mean and population (biased) variance
 * over `axis`, then scaled by gamma and shifted by beta, both shaped like the normalized axes
 * (Keras; torch's `normalized_shape` is the same when the axes are the trailing ones). Training
 * and inference compute the same thing.
 */
export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  readonly axis: number | readonly number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly dtype: DType;

  constructor(options: LayerNormalizationOptions = {}) {
    const where = 'LayerNormalization';
    const o = readOptions(options, FIELDS, where);
    super(readOptionalName(o.name, `${where}.name`));
    const axis = o.axis ?? -1;
    if (Array.isArray(axis)) {
      if (axis.length === 0) fail('needs at least one axis', { where: `${where}.axis` });
      this.axis = axis.map((a, i) => readAxis(a, `${where}.axis[${i}]`));
    } else {
      this.axis = readAxis(axis, `${where}.axis`);
    }
    this.epsilon = readEpsilon(o.epsilon ?? 1e-3, `${where}.epsilon`);
    this.center = readBoolean(o, 'center', true, where);
    this.scale = readBoolean(o, 'scale', true, where);
    this.dtype = readFloatDType(o.dtype, `${where}.dtype`);
  }

  /** The normalized axes of the batched input, sorted, each in 1..rank−1. */
  featureAxes(inputShape: Shape = this.inputShape): number[] {
    const where = `layer '${this.hasName ? this.name : this.className}'.axis`;
    const list = typeof this.axis === 'number' ? [this.axis] : this.axis;
    const axes = [...new Set(list.map((a) => resolveFeatureAxis(a, inputShape, where)))].sort(
      (a, b) => a - b,
    );
    if (axes.length !== list.length)
      fail(`axes [${list}] repeat an axis`, { where, hint: 'list each axis once' });
    return axes;
  }

  protected override createWeights(inputShape: Shape): WeightSpec[] {
    const shape = this.featureAxes(inputShape).map((a) => inputShape[a - 1]!);
    const spec = (name: string, initializer: 'ones' | 'zeros'): WeightSpec => ({
      name,
      shape,
      dtype: this.dtype,
      initializer,
      trainable: true,
    });
    return [...(this.scale ? [spec('gamma', 'ones')] : []), ...(this.center ? [spec('beta', 'zeros')] : [])];
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.featureAxes(inputShape);
    return [...inputShape];
  }

  call(x: Tensor, weights: LayerWeights, _ctx: CallContext): Tensor {
    const where = `layer '${this.name}'`;
    checkBatch(x, this.inputShape, where);
    const axes = this.featureAxes();
    const shape = broadcastShape(
      x.rank,
      axes,
      axes.map((a) => x.shape[a]!),
    );
    const mean = x.mean(axes, true);
    const centred = x.sub(mean);
    const variance = centred.mul(centred).mean(axes, true);
    let y = centred.div(variance.add(this.epsilon).sqrt());
    const get = (name: string) =>
      weights[name] ??
      fail(`weight '${name}' is missing`, { where, hint: 'pass every weight the layer declared' });
    if (this.scale) y = y.mul(get('gamma').reshape(shape));
    if (this.center) y = y.add(get('beta').reshape(shape));
    return y;
  }

  getConfig(): JsonObject {
    return defined({
      name: this.hasName ? this.name : undefined,
      axis: typeof this.axis === 'number' ? this.axis : [...this.axis],
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      dtype: this.dtype,
    });
  }
}
