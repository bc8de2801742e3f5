import { checkKeys, type JsonObject, readNumberArray } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { makeSchedule, type ScheduleOf } from './schedule.ts';

/** Keras PiecewiseConstantDecay: values[i] with i = #{b in boundaries : s > b}. */
export interface PiecewiseConfig {
  readonly name: 'piecewise';
  readonly boundaries: readonly number[];
  readonly values: readonly number[];
}

export function parsePiecewise(obj: JsonObject, where: string): PiecewiseConfig {
  checkKeys(obj, ['name', 'boundaries', 'values'], where);
  const boundaries = readNumberArray(obj, 'boundaries', where, { integer: true, min: 0 });
  const values = readNumberArray(obj, 'values', where);
  if (boundaries === undefined)
    fail('is required', { where: `${where}.boundaries`, hint: 'give an array of step integers' });
  if (values === undefined)
    fail('is required', { where: `${where}.values`, hint: 'give an array of numbers' });
  for (let i = 1; i < boundaries.length; i++) {
    if (boundaries[i]! <= boundaries[i - 1]!) {
      fail(`${boundaries[i]} does not exceed the previous boundary ${boundaries[i - 1]}`, {
        where: `${where}.boundaries[${i}]`,
        hint: 'boundaries must be strictly increasing',
      });
    }
  }
  if (values.length !== boundaries.length + 1) {
    fail(`has ${values.length} entries for ${boundaries.length} boundaries`, {
      where: `${where}.values`,
      hint: `give exactly boundaries.length + 1 = ${boundaries.length + 1} values`,
    });
  }
  return { name: 'piecewise', boundaries, values };
}

export function piecewise(config: PiecewiseConfig): ScheduleOf<PiecewiseConfig> {
  const { boundaries, values } = config;
  const frozen = {
    ...config,
    boundaries: Object.freeze([...boundaries]),
    values: Object.freeze([...values]),
  };
  return makeSchedule(frozen, (s) => {
    let i = 0;
    while (i < boundaries.length && s > boundaries[i]!) i++;
    return values[i]!;
  });
}
