import { describe, expect, it } from 'vitest';
import { scheduleFromConfig } from './index.ts';
import { expectConfigError } from './test-helpers.ts';

describe('constant schedule', () => {
  it('returns its value at every step', () => {
    const s = scheduleFromConfig({ name: 'constant', value: 0.05 }, 'lr');
    expect([0, 1, 10, 1000].map((k) => s(k))).toEqual([0.05, 0.05, 0.05, 0.05]);
  });

  it('accepts a plain number as a constant', () => {
    const s = scheduleFromConfig(0.3, 'lr');
    expect(s(7)).toBe(0.3);
    expect(s.config).toEqual({ name: 'constant', value: 0.3 });
  });

  it('rejects a missing or non-finite value', () => {
    expectConfigError({ name: 'constant' }, 'lr.value');
    expectConfigError({ name: 'constant', value: '1' }, 'lr.value');
    expectConfigError(Number.NaN, 'lr.value');
    expectConfigError({ name: 'constant', value: 1, gamma: 2 }, 'lr.gamma');
  });
});
