import { Tensor } from '@reptile/core';
import { BatchNormalization, Conv2D, Functional, INFERENCE } from '@reptile/layers';
import { describe, expect, it } from 'vitest';
import { buildPortable } from '../portable.ts';
import { tfjsCompatible } from './tfjs.ts';

describe('tfjsCompatible (BatchNorm on a non-last axis, around tfjs 4.22’s kernel)', () => {
  it.each([1, -3])('rewrites axis %i as Permute → BN(−1) → Permute computing the same function', (axis) => {
    const model = new Functional();
    const x = model.input('x', [2, 3, 3]);
    const conv = model.add(
      new Conv2D({ name: 'conv', filters: 2, kernelSize: 2, dataFormat: 'channelsFirst' }),
      x,
    );
    model.output(model.add(new BatchNormalization({ name: 'bn', axis }), conv));
    model.build();
    const weights = model
      .initWeights(3)
      .map((w, i) =>
        model.weights[i]!.path.endsWith('movingVariance') ? w.abs().add(0.5) : w.add(0.1 * (i + 1)),
      );
    const byPath = Object.fromEntries(model.weights.map((w, i) => [w.path, weights[i]!]));
    const rewritten = tfjsCompatible(model, byPath);
    const layers = (
      rewritten.config.layers as {
        className: string;
        config: { name: string; dims?: number[]; axis?: number };
      }[]
    ).map((l) => [l.className, l.config.name, l.config.dims ?? l.config.axis]);
    expect(layers.slice(1)).toEqual([
      ['Permute', 'bn_to_last', [2, 3, 1]],
      ['BatchNormalization', 'bn_channels_last', -1],
      ['Permute', 'bn', [3, 1, 2]],
    ]);
    const input = Tensor.fromData(
      Float32Array.from({ length: 18 * 2 }, (_, i) => Math.sin(i)),
      [2, 2, 3, 3],
    );
    const before = model.apply(weights, input, INFERENCE).toArray();
    const after = buildPortable(rewritten, 'rewritten');
    const got = after.model.apply(after.weights, input, INFERENCE).toArray();
    got.forEach((v, i) => {
      expect(Math.abs(v - before[i]!)).toBeLessThan(1e-6);
    });
  });
});
