import type { JsonObject, Shape, Tensor } from '@reptile/core';
import { type ActivationName, activate, checkActivation } from './activations.ts';
import { type CallContext, Layer, type LayerWeights } from './layer.ts';
import { defined, readOptionalName, readOptions } from './options.ts';

export interface ActivationOptions {
  readonly activation: ActivationName;
  readonly name?: string;
}

/** An activation on its own, e.g. after a layer built without one. */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: ActivationName;

  constructor(options: ActivationOptions) {
    const o = readOptions(options, ['activation', 'name'], 'Activation');
    super(readOptionalName(o.name, 'Activation.name'));
    this.activation = checkActivation(o.activation, 'Activation.activation');
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  override get outputActivation(): ActivationName | undefined {
    return this.activation === 'linear' ? undefined : this.activation;
  }

  call(x: Tensor, _weights: LayerWeights, _ctx: CallContext): Tensor {
    return activate(this.activation, x);
  }

  override callWithoutOutputActivation(x: Tensor): Tensor {
    return x;
  }

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined, activation: this.activation });
  }
}
