import { checkNumber, fail, type JsonObject, type Shape, sizeOf, type Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights } from '../layer.ts';
import { defined, readOptionalName, readOptions } from '../options.ts';

export interface ReshapeOptions {
  /** Per-sample shape (no batch axis); one entry may be −1 and is inferred from the size. */
  readonly targetShape: readonly number[];
  readonly name?: string;
}

/** Reshapes each sample, keeping row-major element order and the batch axis. */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: readonly number[];

  constructor(options: ReshapeOptions) {
    const where = 'Reshape';
    const o = readOptions(options, ['targetShape', 'name'], where);
    super(readOptionalName(o.name, `${where}.name`));
    if (!Array.isArray(o.targetShape)) {
      fail('expected an array of sizes', {
        where: `${where}.targetShape`,
        hint: 'e.g. [7, 7, 64] or [-1, 16]',
      });
    }
    const target = (o.targetShape as unknown[]).map((d, i) =>
      d === -1 ? -1 : checkNumber(d, `${where}.targetShape[${i}]`, { min: 1, integer: true }),
    );
    if (target.filter((d) => d === -1).length > 1) {
      fail('at most one entry may be -1', {
        where: `${where}.targetShape`,
        hint: 'give every other size explicitly',
      });
    }
    this.targetShape = target;
  }

  computeOutputShape(inputShape: Shape): Shape {
    const size = sizeOf(inputShape);
    const known = sizeOf(this.targetShape.filter((d) => d !== -1));
    const inferred = this.targetShape.includes(-1);
    if (inferred ? known === 0 || size % known !== 0 : known !== size) {
      fail(`cannot reshape a sample of shape [${inputShape}] (${size} values) to [${this.targetShape}]`, {
        where: `layer '${this.hasName ? this.name : this.className}'`,
        hint: 'the target shape must hold exactly as many values as each sample',
      });
    }
    return this.targetShape.map((d) => (d === -1 ? size / known : d));
  }

  call(x: Tensor, _weights: LayerWeights, _ctx: CallContext): Tensor {
    return x.reshape([x.shape[0]!, ...this.computeOutputShape(x.shape.slice(1))]);
  }

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined, targetShape: [...this.targetShape] });
  }
}
