import { type JsonObject, readBoolean, type Shape, Tensor } from '@reptile/core';
import type { LayerWeights } from '../layer.ts';
import { defined } from '../options.ts';
import { RecurrentLayer, type RecurrentOptions, readRecurrentOptions } from './recurrent-layer.ts';

export interface GRUOptions extends RecurrentOptions {
  /**
   * true (Keras 2+, torch, cuDNN): the reset gate multiplies h·Uh + b_rh; bias is [2, 3u], row 0
   * for the input side, row 1 for the recurrent side. false (the 2014 paper): the reset gate
   * multiplies h before Uh; bias is [3u].
   */
  readonly resetAfter?: boolean;
}

/**
 * Cho et al. 2014, Keras form, gate blocks z, r, h (gates.ts converts torch's r, z, n):
 *   z = σ(x·Wz + h·Uz + b), r = σ(x·Wr + h·Ur + b)
 *   h̃ = tanh(x·Wh + bx + r⊙(h·Uh + bh))   (resetAfter)   or   tanh(x·Wh + (r⊙h)·Uh + b)
 *   h' = z⊙h + (1 − z)⊙h̃
 */
export class GRU extends RecurrentLayer {
  readonly className = 'GRU';
  protected readonly gates = 3;
  readonly resetAfter: boolean;

  constructor(options: GRUOptions) {
    const o = readRecurrentOptions(options, ['resetAfter'], 'GRU');
    super(o, 'GRU');
    this.resetAfter = readBoolean(o, 'resetAfter', true, 'GRU');
  }

  protected get biasShape(): Shape {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected initialState(batch: number): Tensor[] {
    return [Tensor.zeros([batch, this.units], this.dtype)];
  }

  private biasRow(weights: LayerWeights, row: 0 | 1): Tensor {
    const width = 3 * this.units;
    return this.weight(weights, 'bias')
      .slice([row, 0], [row + 1, width])
      .reshape([width]);
  }

  protected inputBias(weights: LayerWeights): Tensor | undefined {
    if (!this.useBias) return undefined;
    return this.resetAfter ? this.biasRow(weights, 0) : this.weight(weights, 'bias');
  }

  protected cell(weights: LayerWeights): (xz: Tensor, state: readonly Tensor[]) => Tensor[] {
    const u = this.units;
    const recurrentKernel = this.weight(weights, 'recurrentKernel');
    // h' = z⊙h + (1 − z)⊙h̃, from the update gate's pre-activation.
    const update = (zPre: Tensor, candidate: Tensor, prev: Tensor) => {
      const z = this.recurrentAct(zPre);
      return [z.mul(prev).add(z.neg().add(1).mul(candidate))];
    };
    if (this.resetAfter) {
      const recurrentBias = this.useBias ? this.biasRow(weights, 1) : undefined;
      return (xz, [h]) => {
        let hz = h!.matmul(recurrentKernel);
        if (recurrentBias) hz = hz.add(recurrentBias);
        const r = this.recurrentAct(this.block(xz, 1).add(this.block(hz, 1)));
        const candidate = this.act(this.block(xz, 2).add(r.mul(this.block(hz, 2))));
        return update(this.block(xz, 0).add(this.block(hz, 0)), candidate, h!);
      };
    }
    const uzr = recurrentKernel.slice([0, 0], [u, 2 * u]);
    const uh = recurrentKernel.slice([0, 2 * u], [u, 3 * u]);
    return (xz, [h]) => {
      const zr = h!.matmul(uzr);
      const r = this.recurrentAct(this.block(xz, 1).add(this.block(zr, 1)));
      const candidate = this.act(this.block(xz, 2).add(r.mul(h!).matmul(uh)));
      return update(this.block(xz, 0).add(this.block(zr, 0)), candidate, h!);
    };
  }

  override getConfig(): JsonObject {
    return defined({ ...this.baseConfig(), resetAfter: this.resetAfter, dtype: this.dtype });
  }
}
