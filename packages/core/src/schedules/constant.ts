import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { makeSchedule, type ScheduleOf } from './schedule.ts';

export interface ConstantConfig {
  readonly name: 'constant';
  readonly value: number;
}

export function parseConstant(obj: JsonObject, where: string): ConstantConfig {
  checkKeys(obj, ['name', 'value'], where);
  return { name: 'constant', value: readNumber(obj, 'value', undefined, where) };
}

export function constant(config: ConstantConfig): ScheduleOf<ConstantConfig> {
  return makeSchedule(config, () => config.value);
}
