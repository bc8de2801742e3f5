import {
  type DType,
  fail,
  type JsonObject,
  type RegularizerConfig,
  type Shape,
  type Tensor,
} from '@reptile/core';
import { type ActivationName, activate, checkActivation } from '../activations.ts';
import type { InitializerName } from '../initializers.ts';
import {
  KERNEL_OPTION_FIELDS,
  type KernelOptions,
  kernelAndBias,
  kernelConfig,
  readKernelFields,
} from '../kernel-weights.ts';
import { type CallContext, Layer, type LayerWeights, type WeightSpec } from '../layer.ts';
import { defined, readOptionalName, readOptions, readPositiveInt } from '../options.ts';
import { type DataFormat, type Padding, planWindow, type Window2D } from './geometry.ts';
import { imageDims, paddingConfig, readDataFormat, readPadding, readPair } from './window-options.ts';

export interface Conv2DOptions extends KernelOptions {
  readonly filters: number;
  readonly kernelSize: number | readonly [number, number];
  readonly strides?: number | readonly [number, number];
  /** 'valid', 'same' (TF/Keras: an odd total puts the extra on bottom/right) or [[top, bottom], [left, right]]. */
  readonly padding?: 'valid' | 'same' | readonly (readonly number[])[];
  readonly dilationRate?: number | readonly [number, number];
  readonly groups?: number;
  readonly dataFormat?: DataFormat;
  readonly activation?: ActivationName;
  readonly name?: string;
}

const FIELDS = [
  'filters',
  'kernelSize',
  'strides',
  'padding',
  'dilationRate',
  'groups',
  'dataFormat',
  'activation',
  ...KERNEL_OPTION_FIELDS,
  'name',
];

/**
 * 2-D convolution (cross-correlation, as every framework computes it). The kernel is HWIO
 * [kh, kw, in/groups, filters] whatever the data format; converters from OIHW frontends
 * transpose it (conv/layout.ts). Runs on the protocol's `conv2d` primitive, so every frontend
 * uses its native convolution forward and backward (docs/protocol.md says why it is one).
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly dilationRate: readonly [number, number];
  readonly groups: number;
  readonly dataFormat: DataFormat;
  readonly activation: ActivationName;
  // KernelFields, all set at once from the options by readKernelFields
  declare readonly useBias: boolean;
  declare readonly kernelInitializer: InitializerName;
  declare readonly biasInitializer: InitializerName;
  declare readonly kernelRegularizer: RegularizerConfig | undefined;
  declare readonly biasRegularizer: RegularizerConfig | undefined;
  declare readonly dtype: DType;

  constructor(options: Conv2DOptions) {
    const where = 'Conv2D';
    const o = readOptions(options, FIELDS, where);
    super(readOptionalName(o.name, `${where}.name`));
    this.filters = readPositiveInt(o.filters, `${where}.filters`);
    this.kernelSize = readPair(o.kernelSize, `${where}.kernelSize`);
    this.strides = readPair(o.strides ?? 1, `${where}.strides`);
    this.padding = readPadding(o.padding, `${where}.padding`);
    this.dilationRate = readPair(o.dilationRate ?? 1, `${where}.dilationRate`);
    this.groups = readPositiveInt(o.groups ?? 1, `${where}.groups`);
    if (this.filters % this.groups !== 0) {
      fail(`filters (${this.filters}) is not divisible by groups (${this.groups})`, {
        where: `${where}.groups`,
        hint: 'each group produces filters/groups outputs; pick groups dividing both filters and input channels',
      });
    }
    this.dataFormat = readDataFormat(o.dataFormat, `${where}.dataFormat`);
    this.activation = checkActivation(o.activation ?? 'linear', `${where}.activation`);
    Object.assign(this, readKernelFields(o, where));
  }

  private get where(): string {
    return `layer '${this.hasName ? this.name : this.className}'`;
  }

  private window(height: number, width: number): Window2D {
    return planWindow(
      height,
      width,
      { kernel: this.kernelSize, strides: this.strides, dilation: this.dilationRate, padding: this.padding },
      this.where,
    );
  }

  private inputChannels(inputShape: Shape): number {
    const { channels } = imageDims(inputShape, this.dataFormat, this.where);
    if (channels % this.groups !== 0) {
      fail(`input channels (${channels}) are not divisible by groups (${this.groups})`, {
        where: this.where,
        hint: 'groups must divide both the input channels and filters',
      });
    }
    return channels;
  }

  protected override createWeights(inputShape: Shape): WeightSpec[] {
    const channels = this.inputChannels(inputShape);
    this.computeOutputShape(inputShape);
    return kernelAndBias(this, [...this.kernelSize, channels / this.groups, this.filters], this.filters);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.inputChannels(inputShape);
    const { height, width } = imageDims(inputShape, this.dataFormat, this.where);
    const w = this.window(height, width);
    return this.dataFormat === 'channelsLast'
      ? [w.outRows, w.outCols, this.filters]
      : [this.filters, w.outRows, w.outCols];
  }

  override get outputActivation(): ActivationName | undefined {
    return this.activation === 'linear' ? undefined : this.activation;
  }

  call(x: Tensor, weights: LayerWeights, ctx: CallContext): Tensor {
    return activate(this.activation, this.callWithoutOutputActivation(x, weights, ctx));
  }

  override callWithoutOutputActivation(x: Tensor, weights: LayerWeights, _ctx: CallContext): Tensor {
    const kernel = weights.kernel!;
    const channels = this.inputChannels(x.shape.slice(1));
    if (kernel.shape.join(',') !== [...this.kernelSize, channels / this.groups, this.filters].join(',')) {
      fail(
        `kernel has shape [${kernel.shape}], expected [${[...this.kernelSize, channels / this.groups, this.filters]}]`,
        {
          where: this.where,
          hint: 'conv kernels are HWIO [kh, kw, in/groups, filters]; transpose OIHW kernels with oihwToHwio',
        },
      );
    }
    // The conv2d primitive is NCHW × OIHW (what onnxruntime and torch run natively; the tfjs
    // kernel transposes to NHWC itself). The layer keeps its HWIO kernel and chosen data format.
    const nchw = this.dataFormat === 'channelsFirst' ? x : x.transpose([0, 3, 1, 2]);
    const w = this.window(nchw.shape[2]!, nchw.shape[3]!);
    let y = nchw.conv2d(kernel.transpose([3, 2, 0, 1]), {
      strides: this.strides,
      dilations: this.dilationRate,
      pads: w.pads,
      groups: this.groups,
    });
    if (weights.bias) y = y.add(weights.bias.reshape([1, this.filters, 1, 1]));
    return this.dataFormat === 'channelsFirst' ? y : y.transpose([0, 2, 3, 1]);
  }

  getConfig(): JsonObject {
    return defined({
      name: this.hasName ? this.name : undefined,
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: paddingConfig(this.padding),
      dilationRate: [...this.dilationRate],
      groups: this.groups,
      dataFormat: this.dataFormat,
      activation: this.activation,
      ...kernelConfig(this),
    });
  }
}
