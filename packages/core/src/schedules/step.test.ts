import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleFromConfig } from './index.ts';
import { expectClose, expectConfigError, valuesAt } from './test-helpers.ts';

describe('step schedule (torch StepLR)', () => {
  it('multiplies by gamma every stepSize steps, default gamma 0.1', () => {
    // StepLR: lr = 0.1·0.1^floor(s/3) → 0.1 for s<3, 0.01 for 3≤s<6, 0.001 for 6≤s<9, 1e-4 at 9.
    expectClose(
      valuesAt({ name: 'step', initial: 0.1, stepSize: 3 }, [0, 2, 3, 5, 6, 9]),
      [0.1, 0.1, 0.01, 0.01, 0.001, 0.0001],
    );
  });

  it('uses an explicit gamma', () => {
    // 1·0.5^floor(s/2): s=1 → 1, s=2 → 0.5, s=7 → 0.5^3 = 0.125, s=8 → 0.0625.
    expect(valuesAt({ name: 'step', initial: 1, stepSize: 2, gamma: 0.5 }, [1, 2, 7, 8])).toEqual([
      1, 0.5, 0.125, 0.0625,
    ]);
  });

  it('is non-increasing for gamma ≤ 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 200 }),
        (initial, stepSize, gamma, s) => {
          const f = scheduleFromConfig({ name: 'step', initial, stepSize, gamma }, 'lr');
          expect(f(s + 1)).toBeLessThanOrEqual(f(s));
        },
      ),
    );
  });

  it('validates its fields', () => {
    expectConfigError({ name: 'step', stepSize: 3 }, 'lr.initial');
    expectConfigError({ name: 'step', initial: 0.1 }, 'lr.stepSize');
    expectConfigError({ name: 'step', initial: 0.1, stepSize: 0 }, 'lr.stepSize');
    expectConfigError({ name: 'step', initial: 0.1, stepSize: 1.5 }, 'lr.stepSize');
    expectConfigError({ name: 'step', initial: 0.1, stepSize: 2, gamma: -1 }, 'lr.gamma');
  });
});
