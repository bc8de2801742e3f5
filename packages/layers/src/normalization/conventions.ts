import { checkNumber, fail } from '@reptile/core';

/**
 * BatchNorm conventions of the frameworks Reptile converts from and to. Reptile keeps Keras':
 *   moving ← m·moving + (1 − m)·batch,  m = 0.99,  ε = 1e-3,  batch variance biased (÷n).
 * PyTorch: running ← (1 − p)·running + p·batch with p = `momentum` = 0.1, ε = 1e-5, and the
 *   running variance takes the UNBIASED batch variance (÷(n − 1)); normalizing uses the biased one.
 * ONNX BatchNormalization (training mode): running ← momentum·running + (1 − momentum)·batch, so
 *   its momentum is Keras' m as is (default 0.9, ε = 1e-5), and its batch variance is biased.
 *   ONNX float attributes are float32, so a momentum read from a model is fround(m) (0.9 arrives
 *   as 0.8999999762); converters keep that value rather than guessing the decimal.
 */
export const KERAS_BATCH_NORM = { momentum: 0.99, epsilon: 1e-3 } as const;
export const TORCH_BATCH_NORM = { momentum: 0.1, epsilon: 1e-5 } as const;
export const ONNX_BATCH_NORM = { momentum: 0.9, epsilon: 1e-5 } as const;

export function readMomentum(value: unknown, where: string): number {
  return checkNumber(value, where, { min: 0, max: 1 });
}

export function readEpsilon(value: unknown, where: string): number {
  return checkNumber(value, where, { min: 0, exclusiveMin: true });
}

/** torch `momentum` (weight of the new batch) → Keras momentum (weight of the old value). */
export function kerasMomentumFromTorch(torchMomentum: number): number {
  return 1 - readMomentum(torchMomentum, 'torch BatchNorm momentum');
}

export function torchMomentumFromKeras(kerasMomentum: number): number {
  return 1 - readMomentum(kerasMomentum, 'BatchNormalization.momentum');
}

/** ONNX's momentum already weighs the old running value, as Keras' does. */
export function kerasMomentumFromOnnx(onnxMomentum: number): number {
  return readMomentum(onnxMomentum, 'ONNX BatchNormalization momentum');
}

export function onnxMomentumFromKeras(kerasMomentum: number): number {
  return readMomentum(kerasMomentum, 'BatchNormalization.momentum');
}

/**
 * Bessel's correction: the unbiased variance torch feeds its running variance, from the biased
 * one Keras uses, for a batch statistic over `count` values per feature (n = product of the
 * reduced axes). A torch-trained running variance therefore sits n/(n − 1) above a Keras-trained
 * one on the same data; for large batches the gap is negligible, for n = 2 it is 2×.
 */
export function unbiasedFromBiasedVariance(biased: number, count: number): number {
  checkCount(count, 'unbiasedFromBiasedVariance');
  return (biased * count) / (count - 1);
}

export function biasedFromUnbiasedVariance(unbiased: number, count: number): number {
  checkCount(count, 'biasedFromUnbiasedVariance');
  return (unbiased * (count - 1)) / count;
}

function checkCount(count: number, where: string): void {
  if (!Number.isInteger(count) || count < 2) {
    fail(`needs at least 2 values per feature, got ${count}`, {
      where,
      hint: 'the unbiased variance of fewer than two values is undefined',
    });
  }
}
