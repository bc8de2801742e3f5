import { asObject, checkNumber, type JsonObject, readEnum, readNumber } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { type Schedule, type ScheduleConfig, scheduleFromConfig } from '../schedules/index.ts';
import type { EpsilonStyle } from './scale-by-adam.ts';

/** A learning rate: a number, or a schedule config evaluated at the 0-based step index. */
export type LrConfig = number | ScheduleConfig;

/** Reads `lr`: a number ≥ 0 or a schedule config (validated by the schedules module). */
export function readLr(obj: JsonObject, fallback: number, where: string): LrConfig {
  const value = obj.lr ?? fallback;
  if (typeof value === 'number') return checkNumber(value, `${where}.lr`, { min: 0 });
  return scheduleFromConfig(value, `${where}.lr`).config;
}

/** A decay rate in [0, 1): 1 would freeze the running average at its zero start. */
export function readRate(obj: JsonObject, key: string, fallback: number, where: string): number {
  const value = readNumber(obj, key, fallback, where, { min: 0, max: 1 });
  if (value === 1) fail('1 is out of range', { where: `${where}.${key}`, hint: 'give a number ≥ 0 and < 1' });
  return value;
}

export function readNonNegative(obj: JsonObject, key: string, fallback: number, where: string): number {
  return readNumber(obj, key, fallback, where, { min: 0 });
}

export function readPositive(obj: JsonObject, key: string, fallback: number, where: string): number {
  return readNumber(obj, key, fallback, where, { min: 0, exclusiveMin: true });
}

export function readEpsilonStyle(obj: JsonObject, where: string): EpsilonStyle {
  return readEnum(obj, 'epsilonStyle', ['pytorch', 'keras'] as const, 'pytorch', where);
}

/** The normalised `lr` as the driver uses it: a constant, or the schedule rebuilt from its config. */
export function lrSchedule(lr: LrConfig, where: string): number | Schedule {
  return typeof lr === 'number' ? lr : scheduleFromConfig(lr, `${where}.lr`);
}

/** An optimizer's options object (a config without `name`) as a config object. */
export function optionsObject(options: unknown, name: string): JsonObject {
  const obj = asObject(options ?? {}, name);
  if (obj.name !== undefined && obj.name !== name) {
    fail(`name '${String(obj.name)}' given to ${name}()`, { where: `${name}.name`, hint: 'omit name' });
  }
  return { ...obj, name };
}
