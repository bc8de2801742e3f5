import type { DType, JsonObject, RegularizerConfig, Shape, Tensor } from '@reptile/core';
import { fail } from '@reptile/core';
import { type ActivationName, activate, checkActivation } from './activations.ts';
import type { InitializerName } from './initializers.ts';
import {
  KERNEL_OPTION_FIELDS,
  type KernelOptions,
  kernelAndBias,
  kernelConfig,
  readKernelFields,
} from './kernel-weights.ts';
import { type CallContext, Layer, type LayerWeights, type WeightSpec } from './layer.ts';
import { defined, readOptionalName, readOptions, readPositiveInt } from './options.ts';

export interface DenseOptions extends KernelOptions {
  readonly units: number;
  readonly activation?: ActivationName;
  readonly name?: string;
}

const FIELDS = ['units', 'activation', ...KERNEL_OPTION_FIELDS, 'name'];

/**
 * y = activation(x·kernel + bias) over the last axis. The kernel is [in, out] (Keras layout;
 * torch's Linear stores [out, in], which converters transpose).
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationName;
  // KernelFields, all set at once from the options by readKernelFields
  declare readonly useBias: boolean;
  declare readonly kernelInitializer: InitializerName;
  declare readonly biasInitializer: InitializerName;
  declare readonly kernelRegularizer: RegularizerConfig | undefined;
  declare readonly biasRegularizer: RegularizerConfig | undefined;
  declare readonly dtype: DType;

  constructor(options: DenseOptions) {
    const where = 'Dense';
    const o = readOptions(options, FIELDS, where);
    super(readOptionalName(o.name, `${where}.name`));
    this.units = readPositiveInt(o.units, `${where}.units`);
    this.activation = checkActivation(o.activation ?? 'linear', `${where}.activation`);
    Object.assign(this, readKernelFields(o, where));
  }

  protected override createWeights(inputShape: Shape): WeightSpec[] {
    if (inputShape.length === 0) {
      fail('needs inputs with at least one feature axis, got scalars per sample', {
        where: `layer '${this.name}'`,
        hint: 'reshape the data to [batch, features]',
      });
    }
    const fanIn = inputShape[inputShape.length - 1]!;
    return kernelAndBias(this, [fanIn, this.units], this.units);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override get outputActivation(): ActivationName | undefined {
    return this.activation === 'linear' ? undefined : this.activation;
  }

  call(x: Tensor, weights: LayerWeights, ctx: CallContext): Tensor {
    return activate(this.activation, this.callWithoutOutputActivation(x, weights, ctx));
  }

  override callWithoutOutputActivation(x: Tensor, weights: LayerWeights, _ctx: CallContext): Tensor {
    const kernel = weights.kernel!;
    const fanIn = kernel.shape[0]!;
    // Rank > 2 inputs are folded to [rows, in] so the kernel is never broadcast over batch axes.
    const rows = x.rank === 2 ? x : x.reshape([-1, fanIn]);
    let y = rows.matmul(kernel);
    if (weights.bias) y = y.add(weights.bias);
    return x.rank === 2 ? y : y.reshape([...x.shape.slice(0, -1), this.units]);
  }

  getConfig(): JsonObject {
    return defined({
      name: this.hasName ? this.name : undefined,
      units: this.units,
      activation: this.activation,
      ...kernelConfig(this),
    });
  }
}
