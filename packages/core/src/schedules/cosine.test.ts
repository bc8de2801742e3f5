import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleFromConfig } from './index.ts';
import { expectClose, expectConfigError, valuesAt } from './test-helpers.ts';

describe('cosine schedule (optax warmup_cosine_decay)', () => {
  it('warms up linearly, peaks at warmupSteps, decays to end at decaySteps, then stays', () => {
    // peak 0.1, D = 10, w = 4, init = end = 0. Warm-up: 0.1·s/4. Decay: 0.05·(1+cos(π(s−4)/6)).
    // s=7: cos(π/2) = 0 → 0.05; s=5: cos(π/6) = √3/2 → 0.05·(1+√3/2).
    expectClose(
      valuesAt({ name: 'cosine', peak: 0.1, decaySteps: 10, warmupSteps: 4 }, [0, 2, 4, 5, 7, 10, 25]),
      [0, 0.05, 0.1, 0.05 * (1 + Math.sqrt(3) / 2), 0.05, 0, 0],
    );
  });

  it('honours init and end', () => {
    // init 0.1 → peak 1 over 2 steps: s=1 → 0.55. Decay over 10 steps to 0.05: s=7 → 0.05 + 0.95/2.
    expectClose(
      valuesAt(
        { name: 'cosine', peak: 1, decaySteps: 12, warmupSteps: 2, init: 0.1, end: 0.05 },
        [0, 1, 2, 7, 12, 100],
      ),
      [0.1, 0.55, 1, 0.525, 0.05, 0.05],
    );
  });

  it('without warm-up starts at peak', () => {
    // 0.25·(1+cos(πs/8)): s=0 → 0.5, s=4 → 0.25, s=8 → 0
    expectClose(valuesAt({ name: 'cosine', peak: 0.5, decaySteps: 8 }, [0, 4, 8, 9]), [0.5, 0.25, 0, 0]);
  });

  it('is non-increasing after warm-up and stays within [end, peak]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 200 }),
        (a, b, w, span, k) => {
          const [end, peak] = a <= b ? [a, b] : [b, a];
          const f = scheduleFromConfig(
            { name: 'cosine', peak, end, warmupSteps: w, decaySteps: w + span },
            'lr',
          );
          const s = w + k;
          expect(f(s + 1)).toBeLessThanOrEqual(f(s));
          expect(f(s)).toBeGreaterThanOrEqual(end - 1e-15);
          expect(f(s)).toBeLessThanOrEqual(peak + 1e-15);
        },
      ),
    );
  });

  it('validates its fields', () => {
    expectConfigError({ name: 'cosine', decaySteps: 10 }, 'lr.peak');
    expectConfigError({ name: 'cosine', peak: 1 }, 'lr.decaySteps');
    expectConfigError({ name: 'cosine', peak: 1, decaySteps: 0 }, 'lr.decaySteps');
    expectConfigError({ name: 'cosine', peak: 1, decaySteps: 10, warmupSteps: -1 }, 'lr.warmupSteps');
    expectConfigError({ name: 'cosine', peak: 1, decaySteps: 10, warmupSteps: 2.5 }, 'lr.warmupSteps');
    expectConfigError({ name: 'cosine', peak: 1, decaySteps: 4, warmupSteps: 4 }, 'lr.decaySteps');
    expectConfigError({ name: 'cosine', peak: 1, decaySteps: 4, alpha: 0 }, 'lr.alpha');
  });
});
