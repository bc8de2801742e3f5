import { checkNumber, fail, type JsonObject, type Shape, type Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights } from '../layer.ts';
import { defined, readOptionalName, readOptions } from '../options.ts';

export interface PermuteOptions {
  /** A permutation of 1..rank of the per-sample axes (Keras: 1 is the first axis after the batch). */
  readonly dims: readonly number[];
  readonly name?: string;
}

/** Permutes the per-sample axes; the batch axis stays first. */
export class Permute extends Layer {
  readonly className = 'Permute';
  readonly dims: readonly number[];

  constructor(options: PermuteOptions) {
    const where = 'Permute';
    const o = readOptions(options, ['dims', 'name'], where);
    super(readOptionalName(o.name, `${where}.name`));
    if (!Array.isArray(o.dims) || o.dims.length === 0) {
      fail('expected a non-empty array of axes', {
        where: `${where}.dims`,
        hint: 'e.g. [2, 1] swaps the two sample axes',
      });
    }
    const raw = o.dims as unknown[];
    const dims = raw.map((d, i) =>
      checkNumber(d, `${where}.dims[${i}]`, { min: 1, max: raw.length, integer: true }),
    );
    if (new Set(dims).size !== dims.length) {
      fail(`[${dims}] repeats an axis`, {
        where: `${where}.dims`,
        hint: `give each of 1..${dims.length} exactly once (axes are 1-based; the batch axis is not listed)`,
      });
    }
    this.dims = dims;
  }

  private check(rank: number): void {
    if (rank !== this.dims.length) {
      fail(`dims [${this.dims}] permute ${this.dims.length} axes but samples have ${rank}`, {
        where: `layer '${this.hasName ? this.name : this.className}'`,
        hint: 'list every per-sample axis once',
      });
    }
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.check(inputShape.length);
    return this.dims.map((d) => inputShape[d - 1]!);
  }

  call(x: Tensor, _weights: LayerWeights, _ctx: CallContext): Tensor {
    this.check(x.rank - 1);
    return x.transpose([0, ...this.dims]);
  }

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined, dims: [...this.dims] });
  }
}
