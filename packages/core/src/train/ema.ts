import type { Tensor } from '../tensor/tensor.ts';

/**
 * Exponential moving average of parameters, updated after every applied step:
 * ema ← decay·ema + (1 − decay)·params. Started at the initial parameters (no bias correction),
 * as tf.train.ExponentialMovingAverage and torch's AveragedModel do.
 */
export function updateEma(ema: readonly Tensor[], params: readonly Tensor[], decay: number): Tensor[] {
  return ema.map((e, i) => e.mul(decay).add(params[i]!.mul(1 - decay)));
}
