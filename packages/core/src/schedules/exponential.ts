import { checkKeys, type JsonObject, readBoolean, readNumber } from '../config/validate.ts';
import { makeSchedule, type ScheduleOf } from './schedule.ts';

/** Keras ExponentialDecay (torch ExponentialLR when decaySteps = 1, staircase = false). */
export interface ExponentialConfig {
  readonly name: 'exponential';
  readonly initial: number;
  readonly gamma: number;
  readonly decaySteps: number;
  readonly staircase: boolean;
}

export function parseExponential(obj: JsonObject, where: string): ExponentialConfig {
  checkKeys(obj, ['name', 'initial', 'gamma', 'decaySteps', 'staircase'], where);
  return {
    name: 'exponential',
    initial: readNumber(obj, 'initial', undefined, where),
    // gamma > 0: a fractional power of 0 or of a negative number is meaningless as a decay.
    gamma: readNumber(obj, 'gamma', undefined, where, { min: 0, exclusiveMin: true }),
    decaySteps: readNumber(obj, 'decaySteps', 1, where, { min: 0, exclusiveMin: true }),
    staircase: readBoolean(obj, 'staircase', false, where),
  };
}

export function exponential(config: ExponentialConfig): ScheduleOf<ExponentialConfig> {
  return makeSchedule(config, (s) => {
    const e = s / config.decaySteps;
    return config.initial * config.gamma ** (config.staircase ? Math.floor(e) : e);
  });
}
