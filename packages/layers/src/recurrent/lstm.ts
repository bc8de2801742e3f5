import { type Shape, Tensor } from '@reptile/core';
import type { LayerWeights } from '../layer.ts';
import { RecurrentLayer, type RecurrentOptions, readRecurrentOptions } from './recurrent-layer.ts';

export type LSTMOptions = RecurrentOptions;

/**
 * Hochreiter & Schmidhuber 1997, Keras form, gate blocks i, f, c, o (gates.ts converts torch's
 * i, f, g, o and ONNX's i, o, f, c):
 *   i = σ(x·Wi + h·Ui + bi), f = σ(…f), c̃ = tanh(…c), o = σ(…o)
 *   c' = f⊙c + i⊙c̃,  h' = o⊙tanh(c')
 * σ is `recurrentActivation`, tanh is `activation`. One bias [4u] (torch's b_ih + b_hh).
 */
export class LSTM extends RecurrentLayer {
  readonly className = 'LSTM';
  protected readonly gates = 4;

  constructor(options: LSTMOptions) {
    super(readRecurrentOptions(options, [], 'LSTM'), 'LSTM');
  }

  protected get biasShape(): Shape {
    return [4 * this.units];
  }

  protected initialState(batch: number): Tensor[] {
    const zero = Tensor.zeros([batch, this.units], this.dtype);
    return [zero, zero];
  }

  protected inputBias(weights: LayerWeights): Tensor | undefined {
    return this.useBias ? this.weight(weights, 'bias') : undefined;
  }

  protected cell(weights: LayerWeights): (xz: Tensor, state: readonly Tensor[]) => Tensor[] {
    const recurrentKernel = this.weight(weights, 'recurrentKernel');
    return (xz, [h, c]) => {
      const z = xz.add(h!.matmul(recurrentKernel));
      const i = this.recurrentAct(this.block(z, 0));
      const f = this.recurrentAct(this.block(z, 1));
      const candidate = this.act(this.block(z, 2));
      const o = this.recurrentAct(this.block(z, 3));
      const cNext = f.mul(c!).add(i.mul(candidate));
      return [o.mul(this.act(cNext)), cNext];
    };
  }
}
