import { asObject, fail, Tensor } from '@reptile/core';
import type { Dataset, NormalizeMethod } from './dataset.ts';
import { NORMALIZE_METHODS } from './dataset.ts';

/**
 * Input normalisation as part of the model: x ↦ (x − mean) / std, with statistics computed once
 * from the training data. It is applied inside the forward pass, so evaluation, prediction and
 * exported models use the training statistics, never those of the data being scored.
 */
export interface Normalizer {
  readonly method: NormalizeMethod;
  /** One value (shared by all features) or one per feature. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export function fitNormalizer(data: Dataset, method: NormalizeMethod = data.normalize): Normalizer {
  const f = data.featureSize;
  const x = data.features;
  const n = data.size;
  switch (method) {
    case 'none':
      return { method, mean: [0], std: [1] };
    case 'scale': {
      let max = 0;
      for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]!));
      return { method, mean: [0], std: [max > 0 ? max : 1] };
    }
    case 'standardize': {
      let sum = 0;
      for (let i = 0; i < x.length; i++) sum += x[i]!;
      const mean = sum / x.length;
      let sq = 0;
      for (let i = 0; i < x.length; i++) sq += (x[i]! - mean) ** 2;
      const std = Math.sqrt(sq / x.length);
      return { method, mean: [mean], std: [std > 0 ? std : 1] };
    }
    case 'standardizeFeatures': {
      const mean = new Float64Array(f);
      const sq = new Float64Array(f);
      for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) mean[j]! += x[r * f + j]!;
      for (let j = 0; j < f; j++) mean[j]! /= n;
      for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) sq[j]! += (x[r * f + j]! - mean[j]!) ** 2;
      // a constant feature keeps scale 1 (it is only centred) instead of dividing by zero
      const std = Array.from(sq, (s) => (s > 0 ? Math.sqrt(s / n) : 1));
      return { method, mean: Array.from(mean), std };
    }
  }
}

/** Applies the normaliser to a batch [batch, ...featureShape] (identity for 'none'). */
export function applyNormalizer(normalizer: Normalizer, x: Tensor): Tensor {
  if (normalizer.method === 'none') return x;
  const shape = normalizer.mean.length === 1 ? [] : x.shape.slice(1);
  const mean = Tensor.fromData(normalizer.mean, shape, x.dtype);
  const invStd = Tensor.fromData(
    normalizer.std.map((s) => 1 / s),
    shape,
    x.dtype,
  );
  return normalizer.method === 'scale' ? x.mul(invStd) : x.sub(mean).mul(invStd);
}

export function normalizerFromJSON(value: unknown, where = 'normalizer'): Normalizer {
  const obj = asObject(value, where);
  if (!NORMALIZE_METHODS.includes(obj.method as NormalizeMethod))
    fail(`unknown method ${JSON.stringify(obj.method)}`, { where: `${where}.method` });
  const nums = (v: unknown, key: string) => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((n) => typeof n === 'number' && Number.isFinite(n)))
      fail('expected a non-empty array of finite numbers', { where: `${where}.${key}` });
    return v as number[];
  };
  const mean = nums(obj.mean, 'mean');
  const std = nums(obj.std, 'std');
  if (mean.length !== std.length) fail('mean and std differ in length', { where });
  return { method: obj.method as NormalizeMethod, mean, std };
}
