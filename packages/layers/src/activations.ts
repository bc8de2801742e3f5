import { fail, ops, Tensor } from '@reptile/core';

/** Activation names accepted by Dense and Activation (Keras spellings in camelCase). */
export const ACTIVATIONS = [
  'linear',
  'relu',
  'leakyRelu',
  'elu',
  'selu',
  'gelu',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
] as const;

export type ActivationName = (typeof ACTIVATIONS)[number];

export function checkActivation(name: unknown, where: string): ActivationName {
  if (typeof name !== 'string' || !(ACTIVATIONS as readonly string[]).includes(name)) {
    fail(`unknown activation ${JSON.stringify(name)}`, {
      where,
      hint: `use one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`,
    });
  }
  return name as ActivationName;
}

// Klambauer et al. 2017, the fixed point that keeps activations at zero mean and unit variance.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Applies activation `name`, built from protocol ops so every frontend runs and differentiates it. */
export function activate(name: ActivationName, x: Tensor): Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return ops.relu(x);
    case 'leakyRelu':
      return ops.leakyRelu(x); // slope 0.01 below zero (torch's default)
    case 'elu':
      return ops.elu(x);
    case 'selu':
      return ops.elu(x, SELU_ALPHA).mul(SELU_SCALE);
    case 'gelu':
      return gelu(x);
    case 'sigmoid':
      return ops.sigmoid(x);
    case 'tanh':
      return ops.tanh(x);
    case 'softmax':
      return ops.softmax(x, -1);
    case 'softplus':
      return ops.softplus(x);
  }
}

/** Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (torch's and Keras' default, not the tanh form). */
export function gelu(x: Tensor): Tensor {
  return x.mul(erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5);
}

/**
 * erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, below float32 resolution near 1), odd
 * extension for x < 0. The protocol has no erf primitive; this composition keeps GELU portable.
 */
export function erf(x: Tensor): Tensor {
  const a = x.abs();
  const t = Tensor.scalar(1, x.dtype).div(a.mul(0.3275911).add(1));
  const poly = t
    .mul(1.061405429)
    .add(-1.453152027)
    .mul(t)
    .add(1.421413741)
    .mul(t)
    .add(-0.284496736)
    .mul(t)
    .add(0.254829592)
    .mul(t);
  const y = Tensor.scalar(1, x.dtype).sub(poly.mul(a.mul(a).neg().exp()));
  return y.mul(x.sign());
}
