import type { Tensor } from '@reptile/core';

/**
 * erf(x) by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), built from protocol primitives since
 * the protocol has no erf. Within ONNX's test tolerance (rtol 1e-3, atol 1e-7) everywhere.
 */
export function erf(x: Tensor): Tensor {
  const ax = x.abs();
  const t = ax.mul(0.3275911).add(1).pow(-1);
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
  const y = poly.mul(ax.square().neg().exp()).neg().add(1);
  return y.mul(x.sign());
}
