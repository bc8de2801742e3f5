import { describe, expect, it } from 'vitest';
import { readCases, type ToleranceJson } from '../losses/case-files.ts';
import { scheduleFromConfig } from './index.ts';

interface ScheduleCase {
  name: string;
  schedule: unknown;
  steps: number[];
  expected: number[];
  tolerance: ToleranceJson;
}

describe('schedule conformance cases (torch.optim.lr_scheduler / optax oracle)', () => {
  it.each(readCases<ScheduleCase>('schedules'))('$name', (c) => {
    const schedule = scheduleFromConfig(c.schedule, 'schedule');
    expect(c.steps.length).toBe(c.expected.length);
    c.steps.forEach((s, i) => {
      const e = c.expected[i]!;
      const got = schedule(s);
      expect(Math.abs(got - e), `step ${s}: got ${got}, expected ${e}`).toBeLessThanOrEqual(
        c.tolerance.atol + c.tolerance.rtol * Math.abs(e),
      );
    });
  });
});
