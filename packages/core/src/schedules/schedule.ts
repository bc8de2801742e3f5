import { fail } from '../errors.ts';

/**
 * A schedule is just `(step) => number` (Optax style) that also carries its normalised config,
 * so it can be saved as JSON and rebuilt into an identical schedule.
 */
export type ScheduleOf<C> = ((step: number) => number) & { readonly config: C };

/**
 * Steps count updates already applied, so only non-negative integers are meaningful; anything
 * else is a caller bug that would otherwise surface as a silently wrong learning rate.
 */
export function checkStep(step: number, name: string): void {
  if (!Number.isInteger(step) || step < 0) {
    fail(`step ${step} is not a non-negative integer`, {
      where: `schedule '${name}'`,
      hint: 'evaluate schedules at the 0-based count of updates already applied',
    });
  }
}

/** Wraps `value` with the step check and attaches a frozen copy of the config. */
export function makeSchedule<C extends { readonly name: string }>(
  config: C,
  value: (step: number) => number,
): ScheduleOf<C> {
  const frozen = Object.freeze({ ...config });
  const fn = (step: number): number => {
    checkStep(step, frozen.name);
    return value(step);
  };
  return Object.assign(fn, { config: frozen });
}
