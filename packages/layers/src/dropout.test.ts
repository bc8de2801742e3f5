import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { eagerTrainingContext, INFERENCE } from './context.ts';
import { Dropout } from './dropout.ts';
import { Random } from './random.ts';

describe('Dropout', () => {
  const x = Tensor.fromData(new Float64Array(10_000).fill(1), [100, 100], 'float64');

  it('is the identity in inference mode', () => {
    const layer = new Dropout({ rate: 0.5 });
    expect(layer.call(x, {}, INFERENCE)).toBe(x);
  });

  it('zeroes about `rate` of the inputs and scales survivors by 1/(1 − rate)', () => {
    const layer = new Dropout({ rate: 0.25 });
    const values = layer.call(x, {}, eagerTrainingContext(new Random(3))).toArray();
    const zeros = values.filter((v) => v === 0).length;
    // binomial(10000, 0.25): standard deviation ≈ 43
    expect(Math.abs(zeros - 2500)).toBeLessThan(200);
    for (const v of values) if (v !== 0) expect(v).toBeCloseTo(4 / 3, 12);
    // the mean is preserved in expectation
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(1, 1);
  });

  it('is deterministic for a seed', () => {
    const layer = new Dropout({ rate: 0.5 });
    const a = layer.call(x, {}, eagerTrainingContext(new Random(9))).toArray();
    const b = layer.call(x, {}, eagerTrainingContext(new Random(9))).toArray();
    expect(a).toEqual(b);
  });

  it('rejects rates outside [0, 1)', () => {
    expect(() => new Dropout({ rate: 1 })).toThrow(/Dropout.rate/);
    expect(() => new Dropout({ rate: -0.1 })).toThrow(/Dropout.rate/);
  });
});
