import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleFromConfig } from './index.ts';
import { expectConfigError, valuesAt } from './test-helpers.ts';

describe('piecewise schedule (Keras PiecewiseConstantDecay)', () => {
  it('keeps values[i] while s ≤ boundaries[i]', () => {
    const config = { name: 'piecewise', boundaries: [3, 7], values: [1, 0.5, 0.1] };
    expect(valuesAt(config, [0, 3, 4, 7, 8, 20])).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it('with no boundaries is constant', () => {
    expect(valuesAt({ name: 'piecewise', boundaries: [], values: [0.2] }, [0, 99])).toEqual([0.2, 0.2]);
  });

  it('only takes listed values, and the right one', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 6 }),
        fc.integer({ min: 0, max: 150 }),
        (raw, s) => {
          const boundaries = [...raw].sort((a, b) => a - b);
          const values = Array.from({ length: boundaries.length + 1 }, (_, i) => i * 1.5);
          const v = scheduleFromConfig({ name: 'piecewise', boundaries, values }, 'lr')(s);
          expect(values).toContain(v);
          expect(v).toBe(values[boundaries.filter((b) => s > b).length]);
        },
      ),
    );
  });

  it('validates its fields', () => {
    expectConfigError({ name: 'piecewise', values: [1] }, 'lr.boundaries');
    expectConfigError({ name: 'piecewise', boundaries: [] }, 'lr.values');
    expectConfigError({ name: 'piecewise', boundaries: [3, 3], values: [1, 2, 3] }, 'lr.boundaries[1]');
    expectConfigError({ name: 'piecewise', boundaries: [5, 2], values: [1, 2, 3] }, 'lr.boundaries[1]');
    expectConfigError({ name: 'piecewise', boundaries: [2.5], values: [1, 2] }, 'lr.boundaries[0]');
    expectConfigError({ name: 'piecewise', boundaries: [-1], values: [1, 2] }, 'lr.boundaries[0]');
    expectConfigError({ name: 'piecewise', boundaries: [1, 2], values: [1, 2] }, 'lr.values');
    expectConfigError({ name: 'piecewise', boundaries: [1], values: [1, 'x'] }, 'lr.values[1]');
    expectConfigError({ name: 'piecewise', boundaries: 3, values: [1, 2] }, 'lr.boundaries');
  });
});
