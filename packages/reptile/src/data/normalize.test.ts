import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { Data } from './data.ts';
import { applyNormalizer, fitNormalizer, normalizerFromJSON } from './normalize.ts';

describe('normalisation', () => {
  // two features: [0, 2, 4, 6] and [10, 10, 10, 10]
  const data = Data.fromArrays(
    [
      [0, 10],
      [2, 10],
      [4, 10],
      [6, 10],
    ],
    [0, 1, 0, 1],
  );

  it("'standardize' uses one mean and std over every value", () => {
    // values 0,2,4,6,10,10,10,10: mean 6.5, variance (42.25+20.25+6.25+0.25+4·12.25)/8 = 118/8 = 14.75
    const n = fitNormalizer(data, 'standardize');
    expect(n.mean).toEqual([6.5]);
    expect(n.std[0]).toBeCloseTo(Math.sqrt(14.75), 12);
    const x = applyNormalizer(n, Tensor.fromData([6.5, 10], [1, 2], 'float64')).toArray();
    expect(x[0]).toBe(0);
    expect(x[1]).toBeCloseTo(3.5 / Math.sqrt(14.75), 12);
  });

  it("'standardizeFeatures' centres each feature and leaves a constant one unscaled", () => {
    // feature 0: mean 3, variance (9+1+1+9)/4 = 5; feature 1: constant 10
    const n = fitNormalizer(data, 'standardizeFeatures');
    expect(n.mean).toEqual([3, 10]);
    expect(n.std[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(n.std[1]).toBe(1);
    const x = applyNormalizer(n, Tensor.fromData([3 + Math.sqrt(5), 12], [1, 2], 'float64')).toArray();
    expect(x[0]).toBeCloseTo(1, 12);
    expect(x[1]).toBeCloseTo(2, 12);
  });

  it("'scale' divides by the largest magnitude and 'none' is the identity", () => {
    const n = fitNormalizer(data, 'scale');
    expect(n).toEqual({ method: 'scale', mean: [0], std: [10] });
    const t = Tensor.fromData([5, -10], [1, 2], 'float64');
    expect(applyNormalizer(n, t).toArray()).toEqual([0.5, -1]);
    expect(applyNormalizer(fitNormalizer(data, 'none'), t)).toBe(t);
  });

  it('round-trips through JSON and rejects broken statistics', () => {
    const n = fitNormalizer(data, 'standardizeFeatures');
    expect(normalizerFromJSON(JSON.parse(JSON.stringify(n)))).toEqual(n);
    expect(() => normalizerFromJSON({ method: 'standardize', mean: [0], std: [] })).toThrow(/normalizer.std/);
  });
});
