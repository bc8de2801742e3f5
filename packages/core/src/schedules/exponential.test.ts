import { describe, it } from 'vitest';
import { expectClose, expectConfigError, valuesAt } from './test-helpers.ts';

describe('exponential schedule', () => {
  it('decays per step with decaySteps defaulted to 1 (torch ExponentialLR)', () => {
    // 0.1·0.9^s: 0.1, 0.09, 0.081, 0.1·0.9^5 = 0.059049
    expectClose(
      valuesAt({ name: 'exponential', initial: 0.1, gamma: 0.9 }, [0, 1, 2, 5]),
      [0.1, 0.09, 0.081, 0.059049],
    );
  });

  it('uses a fractional exponent s/decaySteps', () => {
    // 0.2·0.5^(s/4): s=2 → 0.2/√2, s=4 → 0.1, s=8 → 0.05
    expectClose(valuesAt({ name: 'exponential', initial: 0.2, gamma: 0.5, decaySteps: 4 }, [2, 4, 8]), [
      0.2 / Math.SQRT2,
      0.1,
      0.05,
    ]);
  });

  it('floors the exponent with staircase', () => {
    // 0.2·0.5^floor(s/4): s=3 → 0.2, s=4 → 0.1, s=7 → 0.1, s=13 → 0.2/8 = 0.025
    expectClose(
      valuesAt(
        { name: 'exponential', initial: 0.2, gamma: 0.5, decaySteps: 4, staircase: true },
        [3, 4, 7, 13],
      ),
      [0.2, 0.1, 0.1, 0.025],
    );
  });

  it('validates its fields', () => {
    expectConfigError({ name: 'exponential', gamma: 0.9 }, 'lr.initial');
    expectConfigError({ name: 'exponential', initial: 1 }, 'lr.gamma');
    expectConfigError({ name: 'exponential', initial: 1, gamma: 0 }, 'lr.gamma');
    expectConfigError({ name: 'exponential', initial: 1, gamma: 0.5, decaySteps: 0 }, 'lr.decaySteps');
    expectConfigError({ name: 'exponential', initial: 1, gamma: 0.5, staircase: 1 }, 'lr.staircase');
  });
});
