import { describe, expect, it } from 'vitest';
import { ReptileError } from '../errors.ts';
import { SCHEDULE_NAMES, scheduleFromConfig } from './index.ts';
import { expectConfigError } from './test-helpers.ts';

const EXAMPLES = [
  { name: 'constant', value: 0.05 },
  { name: 'step', initial: 0.1, stepSize: 3 },
  { name: 'exponential', initial: 0.2, gamma: 0.5, decaySteps: 4, staircase: true },
  { name: 'cosine', peak: 1, decaySteps: 12, warmupSteps: 2, init: 0.1, end: 0.05 },
  { name: 'linearWarmup', peak: 0.01, warmupSteps: 5 },
  { name: 'oneCycle', maxLr: 0.1, totalSteps: 20 },
  { name: 'piecewise', boundaries: [3, 7], values: [1, 0.5, 0.1] },
];

describe('scheduleFromConfig', () => {
  it('has an example for every schedule', () => {
    expect(EXAMPLES.map((e) => e.name)).toEqual([...SCHEDULE_NAMES]);
  });

  it.each(EXAMPLES)('$name: config round-trips through JSON into an identical schedule', (example) => {
    const a = scheduleFromConfig(example, 'lr');
    const b = scheduleFromConfig(JSON.parse(JSON.stringify(a.config)), 'lr');
    expect(b.config).toEqual(a.config);
    for (let s = 0; s <= 20; s++) expect(b(s)).toBe(a(s));
  });

  it('fills in defaults', () => {
    expect(scheduleFromConfig({ name: 'oneCycle', maxLr: 0.1, totalSteps: 20 }, 'lr').config).toEqual({
      name: 'oneCycle',
      maxLr: 0.1,
      totalSteps: 20,
      pctStart: 0.3,
      divFactor: 25,
      finalDivFactor: 1e4,
      annealStrategy: 'cos',
    });
    expect(scheduleFromConfig({ name: 'cosine', peak: 1, decaySteps: 5 }, 'lr').config).toEqual({
      name: 'cosine',
      peak: 1,
      decaySteps: 5,
      warmupSteps: 0,
      init: 0,
      end: 0,
    });
  });

  it('freezes its config', () => {
    const s = scheduleFromConfig({ name: 'piecewise', boundaries: [3], values: [1, 2] }, 'lr');
    expect(Object.isFrozen(s.config)).toBe(true);
  });

  it.each(EXAMPLES)('$name: rejects steps that are not non-negative integers', (example) => {
    const s = scheduleFromConfig(example, 'lr');
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => s(bad)).toThrow(ReptileError);
    }
  });

  it('rejects unknown names, non-objects and unknown fields', () => {
    expectConfigError({ name: 'warmup' }, 'lr.name');
    expectConfigError({}, 'lr.name');
    expectConfigError('cosine', 'lr');
    expectConfigError(null, 'lr');
    expectConfigError([1], 'lr');
    expectConfigError({ name: 'step', initial: 1, stepSize: 2, gama: 0.5 }, 'lr.gama');
  });
});
