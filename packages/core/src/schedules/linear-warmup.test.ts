import { describe, it } from 'vitest';
import { expectClose, expectConfigError, valuesAt } from './test-helpers.ts';

describe('linearWarmup schedule', () => {
  it('ramps from default init 0 to peak, then holds', () => {
    // 0.01·min(s,5)/5
    expectClose(
      valuesAt({ name: 'linearWarmup', peak: 0.01, warmupSteps: 5 }, [0, 1, 4, 5, 50]),
      [0, 0.002, 0.008, 0.01, 0.01],
    );
  });

  it('ramps from an explicit init', () => {
    // 0.001 + 0.099·min(s,3)/3: s=1 → 0.034, s=2 → 0.067
    expectClose(
      valuesAt({ name: 'linearWarmup', init: 0.001, peak: 0.1, warmupSteps: 3 }, [0, 1, 2, 3, 10]),
      [0.001, 0.034, 0.067, 0.1, 0.1],
    );
  });

  it('validates its fields', () => {
    expectConfigError({ name: 'linearWarmup', warmupSteps: 3 }, 'lr.peak');
    expectConfigError({ name: 'linearWarmup', peak: 1 }, 'lr.warmupSteps');
    expectConfigError({ name: 'linearWarmup', peak: 1, warmupSteps: 0 }, 'lr.warmupSteps');
    expectConfigError({ name: 'linearWarmup', peak: 1, warmupSteps: 1.5 }, 'lr.warmupSteps');
  });
});
