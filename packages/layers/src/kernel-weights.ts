import { type DType, fail, type RegularizerConfig, type Shape } from '@reptile/core';
import { checkInitializer, type InitializerName } from './initializers.ts';
import type { WeightSpec } from './layer.ts';
import { readFloatDType, readRegularizer } from './options.ts';

/** The options of a layer with a kernel and an optional bias (Dense, Conv2D). */
export interface KernelOptions {
  readonly useBias?: boolean;
  readonly kernelInitializer?: InitializerName;
  readonly biasInitializer?: InitializerName;
  /** A regularizer config, e.g. {name: 'l2', l2: 1e-4}: its penalty on the kernel joins the loss. */
  readonly kernelRegularizer?: unknown;
  readonly biasRegularizer?: unknown;
  readonly dtype?: 'float32' | 'float64';
}

/** The names of KernelOptions, for a layer's list of allowed fields. */
export const KERNEL_OPTION_FIELDS = [
  'useBias',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
  'dtype',
] as const;

/** Checks and defaults KernelOptions (Glorot-uniform kernel, zero bias, float32); errors name `where.field`. */
export function readKernelFields(o: Record<string, unknown>, where: string): KernelFields {
  if (o.useBias !== undefined && typeof o.useBias !== 'boolean')
    fail('expected true or false', { where: `${where}.useBias` });
  return {
    useBias: (o.useBias as boolean | undefined) ?? true,
    kernelInitializer: checkInitializer(o.kernelInitializer ?? 'glorotUniform', `${where}.kernelInitializer`),
    biasInitializer: checkInitializer(o.biasInitializer ?? 'zeros', `${where}.biasInitializer`),
    kernelRegularizer: readRegularizer(o.kernelRegularizer, `${where}.kernelRegularizer`),
    biasRegularizer: readRegularizer(o.biasRegularizer, `${where}.biasRegularizer`),
    dtype: readFloatDType(o.dtype, `${where}.dtype`),
  };
}

/** The fields a layer with a kernel and an optional bias declares them from (Dense, Conv2D). */
export interface KernelFields {
  readonly dtype: DType;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly kernelRegularizer: RegularizerConfig | undefined;
  readonly biasRegularizer: RegularizerConfig | undefined;
}

/** KernelFields as they appear, in this order, at the end of the layer's config. */
export function kernelConfig(fields: KernelFields) {
  return {
    useBias: fields.useBias,
    kernelInitializer: fields.kernelInitializer,
    biasInitializer: fields.biasInitializer,
    kernelRegularizer: fields.kernelRegularizer,
    biasRegularizer: fields.biasRegularizer,
    dtype: fields.dtype,
  };
}

/** `kernel` of `kernelShape` and, with `useBias`, `bias` of [units]: both trainable, with their regularizers. */
export function kernelAndBias(fields: KernelFields, kernelShape: Shape, units: number): WeightSpec[] {
  const weight = (
    name: string,
    shape: Shape,
    initializer: InitializerName,
    regularizer?: RegularizerConfig,
  ) => ({
    name,
    shape,
    dtype: fields.dtype,
    initializer,
    trainable: true,
    ...(regularizer ? { regularizer } : {}),
  });
  const specs: WeightSpec[] = [
    weight('kernel', kernelShape, fields.kernelInitializer, fields.kernelRegularizer),
  ];
  if (fields.useBias) specs.push(weight('bias', [units], fields.biasInitializer, fields.biasRegularizer));
  return specs;
}
