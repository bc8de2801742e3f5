import type { PortableModel } from '@reptile/convert';
import { fail, type JsonObject, Tensor } from '@reptile/core';
import { layerToConfig } from '@reptile/layers';
import type { Model } from '../model/model.ts';

/** ε of the BatchNormalization that carries the input normalisation: below float32 resolution of any std² ≥ 1e-6. */
const EPSILON = 1e-12;

/**
 * The trained model as a portable description (docs/models.md), for exporting to formats that
 * store layers (tfjs, TorchScript). The input normalisation `model.predict` applies, (x − mean)/std,
 * becomes a first BatchNormalization layer in inference form (moving mean = mean, moving
 * variance = std², γ = 1, β = 0), which every layer format has; per-element statistics of
 * multi-axis samples go through Reshape to one feature axis and back.
 */
export function modelToPortable(model: Model): PortableModel {
  const values =
    model.weightValues ??
    fail('the model has no weights yet', {
      where: 'model.export',
      hint: 'fit (or build/load) it before exporting',
    });
  const inputShape = [...model.network.inputShape];
  const features = inputShape.reduce((a, b) => a * b, 1);
  const layers: { className: string; config: JsonObject; inbound: string[] }[] = [];
  const weights: Record<string, Tensor> = {};
  let last = 'input';
  const add = (className: string, config: JsonObject) => {
    layers.push({ className, config, inbound: [last] });
    last = config.name as string;
  };
  const normalizer = model.normalizer;
  if (normalizer && normalizer.method !== 'none') {
    const perFeature = normalizer.mean.length > 1;
    const wide = (v: readonly number[]) => (perFeature ? v : Array.from({ length: features }, () => v[0]!));
    const mean = normalizer.method === 'scale' ? new Array(features).fill(0) : wide(normalizer.mean);
    const std = wide(normalizer.std);
    const flat = inputShape.length !== 1;
    if (flat) add('Reshape', { name: 'normalize_flatten', targetShape: [features] });
    add('BatchNormalization', { name: 'normalize', axis: -1, epsilon: EPSILON });
    weights['normalize/gamma'] = Tensor.fromData(new Float32Array(features).fill(1), [features]);
    weights['normalize/beta'] = Tensor.fromData(new Float32Array(features), [features]);
    weights['normalize/movingMean'] = Tensor.fromData(Float32Array.from(mean), [features]);
    weights['normalize/movingVariance'] = Tensor.fromData(
      Float32Array.from(std, (s) => s * s),
      [features],
    );
    if (flat) add('Reshape', { name: 'normalize_unflatten', targetShape: inputShape });
  }
  for (const layer of model.network.layers) {
    const { className, config } = layerToConfig(layer) as { className: string; config: JsonObject };
    add(className, config);
  }
  model.network.weights.forEach((w, i) => {
    weights[w.path] = Tensor.fromData(values[i]!, w.shape, w.dtype);
  });
  const config = {
    className: 'Functional',
    name: 'model',
    inputs: [{ name: 'input', shape: inputShape, dtype: 'float32' }],
    layers,
    outputs: [last],
  };
  return { config: config as unknown as JsonObject, weights };
}
