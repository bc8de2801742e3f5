import { type JsonObject, type Shape, sizeOf, type Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights } from './layer.ts';
import { defined, readOptionalName, readOptions } from './options.ts';

/**
 * Flattens each sample to one axis in row-major order (the order of the sample's last axis
 * varies fastest). A converter from NCHW frontends must permute to this order before a Dense.
 */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(options: { readonly name?: string } = {}) {
    const o = readOptions(options, ['name'], 'Flatten');
    super(readOptionalName(o.name, 'Flatten.name'));
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [sizeOf(inputShape)];
  }

  call(x: Tensor, _weights: LayerWeights, _ctx: CallContext): Tensor {
    return x.reshape([x.shape[0]!, sizeOf(x.shape.slice(1))]);
  }

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined });
  }
}
