import type { DType, RegularizerConfig, Shape } from '@reptile/core';
import type { InitializerName } from './initializers.ts';
import type { WeightSpec } from './layer.ts';

/** The fields a layer with a kernel and an optional bias declares them from (Dense, Conv2D). */
export interface KernelFields {
  readonly dtype: DType;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly kernelRegularizer: RegularizerConfig | undefined;
  readonly biasRegularizer: RegularizerConfig | undefined;
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
