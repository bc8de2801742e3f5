import { Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { BatchNormalization } from './batch-normalization.ts';
import { LayerNormalization } from './layer-normalization.ts';

/**
 * Invariants that hold for any data: after normalizing without scale or centre, each group has
 * mean 0 and mean square v/(v + ε), where v is the group's biased variance before.
 */
const dims = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });
const data = (n: number) =>
  fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: n, maxLength: n });

function groupStats(values: ArrayLike<number>, shape: number[], keep: (axis: number) => boolean) {
  // Group key: the coordinates on the kept axes.
  const groups = new Map<string, number[]>();
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let flat = 0; flat < values.length; flat++) {
    const key = shape.map((d, i) => (keep(i) ? Math.floor(flat / strides[i]!) % d : '*')).join(',');
    const list = groups.get(key) ?? [];
    list.push(values[flat]!);
    groups.set(key, list);
  }
  return [...groups.values()].map((g) => {
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    return { mean, variance: g.reduce((a, b) => a + (b - mean) ** 2, 0) / g.length };
  });
}

/** A batch size, a per-sample shape, values filling it, and a seed for choosing axes. */
const batchCase = fc
  .tuple(fc.integer({ min: 2, max: 4 }), dims, fc.nat())
  .chain(([batch, perSample, axisSeed]) =>
    data(batch * perSample.reduce((a, b) => a * b, 1)).map((xs) => ({ batch, perSample, axisSeed, xs })),
  );

describe('normalization invariants (fast-check)', () => {
  it('BatchNormalization training output: per-feature mean 0, mean square v/(v + ε)', () => {
    fc.assert(
      fc.property(
        batchCase,
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        ({ batch, perSample, axisSeed, xs }, epsilon) => {
          const axis = 1 + (axisSeed % perSample.length);
          const layer = new BatchNormalization({
            axis,
            epsilon,
            center: false,
            scale: false,
            dtype: 'float64',
          });
          layer.setName('bn');
          layer.build(perSample);
          const shape = [batch, ...perSample];
          const features = perSample[axis - 1]!;
          const y = layer.call(
            Tensor.fromData(xs, shape, 'float64'),
            {
              movingMean: Tensor.zeros([features], 'float64'),
              movingVariance: Tensor.ones([features], 'float64'),
            },
            { ...INFERENCE, training: true },
          );
          const before = groupStats(xs, shape, (i) => i === axis);
          groupStats(y.data(), shape, (i) => i === axis).forEach((s, g) => {
            const v = before[g]!.variance;
            expect(Math.abs(s.mean)).toBeLessThan(1e-9);
            expect(s.variance).toBeCloseTo(v / (v + epsilon), 9);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('LayerNormalization: per-sample mean 0, mean square v/(v + ε) over the normalized axes', () => {
    fc.assert(
      fc.property(batchCase, ({ batch, perSample, axisSeed, xs }) => {
        // A random non-empty subset of the feature axes 1..rank−1.
        const chosen = perSample.map((_, i) => i + 1).filter((_, i) => ((axisSeed >> i) & 1) === 1);
        const axis = chosen.length > 0 ? chosen : [perSample.length];
        const layer = new LayerNormalization({ axis, center: false, scale: false, dtype: 'float64' });
        layer.setName('ln');
        layer.build(perSample);
        const shape = [batch, ...perSample];
        const y = layer.call(Tensor.fromData(xs, shape, 'float64'), {}, INFERENCE);
        const before = groupStats(xs, shape, (i) => !axis.includes(i));
        groupStats(y.data(), shape, (i) => !axis.includes(i)).forEach((s, g) => {
          const v = before[g]!.variance;
          expect(Math.abs(s.mean)).toBeLessThan(1e-9);
          expect(s.variance).toBeCloseTo(v / (v + 1e-3), 9);
        });
      }),
      { numRuns: 60 },
    );
  });
});
