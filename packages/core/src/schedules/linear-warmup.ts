import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { makeSchedule, type ScheduleOf } from './schedule.ts';

/** Linear ramp init→peak over warmupSteps, then constant peak. */
export interface LinearWarmupConfig {
  readonly name: 'linearWarmup';
  readonly init: number;
  readonly peak: number;
  readonly warmupSteps: number;
}

export function parseLinearWarmup(obj: JsonObject, where: string): LinearWarmupConfig {
  checkKeys(obj, ['name', 'init', 'peak', 'warmupSteps'], where);
  return {
    name: 'linearWarmup',
    init: readNumber(obj, 'init', 0, where),
    peak: readNumber(obj, 'peak', undefined, where),
    // ≥ 1: a zero-length warm-up is just a constant schedule (use {name:'constant'}).
    warmupSteps: readNumber(obj, 'warmupSteps', undefined, where, { integer: true, min: 1 }),
  };
}

export function linearWarmup(config: LinearWarmupConfig): ScheduleOf<LinearWarmupConfig> {
  const { init, peak, warmupSteps: w } = config;
  return makeSchedule(config, (s) => init + ((peak - init) * Math.min(s, w)) / w);
}
