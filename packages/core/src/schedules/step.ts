import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { makeSchedule, type ScheduleOf } from './schedule.ts';

/** torch.optim.lr_scheduler.StepLR: initial·gamma^floor(s/stepSize). */
export interface StepConfig {
  readonly name: 'step';
  readonly initial: number;
  readonly stepSize: number;
  readonly gamma: number;
}

export function parseStep(obj: JsonObject, where: string): StepConfig {
  checkKeys(obj, ['name', 'initial', 'stepSize', 'gamma'], where);
  return {
    name: 'step',
    initial: readNumber(obj, 'initial', undefined, where),
    stepSize: readNumber(obj, 'stepSize', undefined, where, { integer: true, min: 1 }),
    gamma: readNumber(obj, 'gamma', 0.1, where, { min: 0 }),
  };
}

export function step(config: StepConfig): ScheduleOf<StepConfig> {
  return makeSchedule(config, (s) => config.initial * config.gamma ** Math.floor(s / config.stepSize));
}
