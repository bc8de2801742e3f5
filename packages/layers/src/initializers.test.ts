import { describe, expect, it } from 'vitest';
import { checkInitializer, fans, initialize } from './initializers.ts';

describe('initializers', () => {
  it('computes Keras fans for dense and conv kernels', () => {
    expect(fans([784, 128])).toEqual({ fanIn: 784, fanOut: 128 });
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
  });

  it('glorotUniform stays within ±sqrt(6/(in+out)) with variance limit²/3', () => {
    const limit = Math.sqrt(6 / (300 + 200));
    const values = initialize('glorotUniform', [300, 200], 'float64', 5).toArray();
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(variance / ((limit * limit) / 3)).toBeCloseTo(1, 1);
  });

  it('is deterministic for a seed', () => {
    const a = initialize('glorotUniform', [4, 3], 'float32', 9).toArray();
    expect(initialize('glorotUniform', [4, 3], 'float32', 9).toArray()).toEqual(a);
    expect(initialize('glorotUniform', [4, 3], 'float32', 10).toArray()).not.toEqual(a);
  });

  it('heNormal has variance 2/fanIn', () => {
    const values = initialize('heNormal', [400, 250], 'float64', 3).toArray();
    const variance = values.reduce((a, b) => a + b * b, 0) / values.length;
    expect(variance / (2 / 400)).toBeCloseTo(1, 1);
  });

  it('zeros and ones', () => {
    expect(initialize('zeros', [3], 'float32', 0).toArray()).toEqual([0, 0, 0]);
    expect(initialize('ones', [2], 'float64', 0).toArray()).toEqual([1, 1]);
  });

  it('names the allowed initializers on a typo', () => {
    expect(() => checkInitializer('glorot', 'x')).toThrow(/'glorotUniform'/);
  });
});
