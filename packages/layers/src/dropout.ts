import { checkNumber, fail, type JsonObject, type Shape, type Tensor } from '@reptile/core';
import type { CallContext, LayerWeights } from './layer.ts';
import { Layer } from './layer.ts';
import { defined, readOptionalName, readOptions } from './options.ts';

export interface DropoutOptions {
  /** Fraction of inputs zeroed during training, in [0, 1). */
  readonly rate: number;
  readonly name?: string;
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training each input is zeroed with probability
 * `rate` and the survivors scaled by 1/(1 − rate), so inference is the identity and needs no
 * rescaling. The mask comes from the context's seeded noise.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;

  constructor(options: DropoutOptions) {
    const o = readOptions(options, ['rate', 'name'], 'Dropout');
    super(readOptionalName(o.name, 'Dropout.name'));
    this.rate = checkNumber(o.rate, 'Dropout.rate', { min: 0, max: 1 });
    if (this.rate === 1) {
      fail('rate 1 drops every input', { where: 'Dropout.rate', hint: 'give a rate in [0, 1)' });
    }
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  call(x: Tensor, _weights: LayerWeights, ctx: CallContext): Tensor {
    if (!ctx.training || this.rate === 0) return x;
    const keep = ctx.uniform(x.shape, x.dtype).ge(this.rate).cast(x.dtype);
    return x.mul(keep).mul(1 / (1 - this.rate));
  }

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined, rate: this.rate });
  }
}
