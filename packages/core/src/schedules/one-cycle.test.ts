import { describe, expect, it } from 'vitest';
import { ReptileError } from '../errors.ts';
import { scheduleFromConfig } from './index.ts';
import { expectClose, expectConfigError, valuesAt } from './test-helpers.ts';

describe('oneCycle schedule (torch OneCycleLR, two phases)', () => {
  it('matches the torch formula with cos annealing and default factors', () => {
    // maxLr 0.1, T = 20, pctStart 0.3: initial = 0.1/25 = 0.004, min = 0.004/1e4 = 4e-7.
    // Phase 1 ends at 0.3·20 − 1 = 5, phase 2 at 19. cos anneal(a,b,p) = b + (a−b)/2·(cos πp + 1).
    // s=2: p = 0.4 → 0.1 − 0.048·(cos 0.4π + 1); s=12: p = 7/14 → (0.1 + 4e-7)/2.
    const expected = [0.004, 0.1 - 0.048 * (Math.cos(0.4 * Math.PI) + 1), 0.1, 0.0500002, 4e-7];
    expectClose(
      valuesAt({ name: 'oneCycle', maxLr: 0.1, totalSteps: 20 }, [0, 2, 5, 12, 19]),
      expected,
      1e-15,
    );
  });

  it('matches the torch formula with linear annealing and a fractional phase boundary', () => {
    // maxLr 1, T = 10, pctStart 0.25, div 10, final 100: initial 0.1, min 0.001, phase 1 ends at 1.5.
    // s=1: p = 1/1.5 → 0.1 + 0.9·2/3 = 0.7; s=2: phase 2, p = 0.5/7.5 = 1/15 → 1 − 0.999/15 = 0.9334.
    const config = {
      name: 'oneCycle',
      maxLr: 1,
      totalSteps: 10,
      pctStart: 0.25,
      divFactor: 10,
      finalDivFactor: 100,
      annealStrategy: 'linear',
    };
    expectClose(valuesAt(config, [0, 1, 2, 9]), [0.1, 0.7, 0.9334, 0.001]);
  });

  it('allows step totalSteps as torch does and throws beyond it', () => {
    const f = scheduleFromConfig({ name: 'oneCycle', maxLr: 1, totalSteps: 10 }, 'lr');
    expect(Number.isFinite(f(10))).toBe(true);
    expect(() => f(11)).toThrow(ReptileError);
    expect(() => f(11)).toThrow(/totalSteps/);
  });

  it('validates its fields', () => {
    expectConfigError({ name: 'oneCycle', totalSteps: 10 }, 'lr.maxLr');
    expectConfigError({ name: 'oneCycle', maxLr: 1 }, 'lr.totalSteps');
    expectConfigError({ name: 'oneCycle', maxLr: 1, totalSteps: 0 }, 'lr.totalSteps');
    expectConfigError({ name: 'oneCycle', maxLr: 1, totalSteps: 10, pctStart: 1.2 }, 'lr.pctStart');
    expectConfigError({ name: 'oneCycle', maxLr: 1, totalSteps: 10, pctStart: 0.1 }, 'lr.pctStart');
    expectConfigError({ name: 'oneCycle', maxLr: 1, totalSteps: 10, pctStart: 1 }, 'lr.pctStart');
    expectConfigError({ name: 'oneCycle', maxLr: 1, totalSteps: 10, divFactor: 0 }, 'lr.divFactor');
    expectConfigError(
      { name: 'oneCycle', maxLr: 1, totalSteps: 10, finalDivFactor: -1 },
      'lr.finalDivFactor',
    );
    expectConfigError(
      { name: 'oneCycle', maxLr: 1, totalSteps: 10, annealStrategy: 'cosine' },
      'lr.annealStrategy',
    );
  });
});
