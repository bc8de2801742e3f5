import { asObject, readName } from '../config/validate.ts';
import { type ConstantConfig, constant, parseConstant } from './constant.ts';
import { type CosineConfig, cosine, parseCosine } from './cosine.ts';
import { type ExponentialConfig, exponential, parseExponential } from './exponential.ts';
import { type LinearWarmupConfig, linearWarmup, parseLinearWarmup } from './linear-warmup.ts';
import { type OneCycleConfig, oneCycle, parseOneCycle } from './one-cycle.ts';
import { type PiecewiseConfig, parsePiecewise, piecewise } from './piecewise.ts';
import type { ScheduleOf } from './schedule.ts';
import { parseStep, type StepConfig, step } from './step.ts';

export type {
  ConstantConfig,
  CosineConfig,
  ExponentialConfig,
  LinearWarmupConfig,
  OneCycleConfig,
  PiecewiseConfig,
  StepConfig,
};

/** Every schedule config, normalised: all defaults filled in. */
export type ScheduleConfig =
  | ConstantConfig
  | StepConfig
  | ExponentialConfig
  | CosineConfig
  | LinearWarmupConfig
  | OneCycleConfig
  | PiecewiseConfig;

/** `(step) => value` at the 0-based count of updates already applied, plus its config. */
export type Schedule = ScheduleOf<ScheduleConfig>;

export const SCHEDULE_NAMES = [
  'constant',
  'step',
  'exponential',
  'cosine',
  'linearWarmup',
  'oneCycle',
  'piecewise',
] as const satisfies readonly ScheduleConfig['name'][];

/**
 * Builds a schedule from a JSON config (or a plain number n, meaning {name:'constant', value:n}).
 * `where` is the config's field path, used in error messages ("optimizer.lr").
 */
export function scheduleFromConfig(config: unknown, where: string): Schedule {
  if (typeof config === 'number') return constant(parseConstant({ name: 'constant', value: config }, where));
  const obj = asObject(config, where);
  const name = readName(obj, SCHEDULE_NAMES, where) as ScheduleConfig['name'];
  switch (name) {
    case 'constant':
      return constant(parseConstant(obj, where));
    case 'step':
      return step(parseStep(obj, where));
    case 'exponential':
      return exponential(parseExponential(obj, where));
    case 'cosine':
      return cosine(parseCosine(obj, where));
    case 'linearWarmup':
      return linearWarmup(parseLinearWarmup(obj, where));
    case 'oneCycle':
      return oneCycle(parseOneCycle(obj, where));
    case 'piecewise':
      return piecewise(parsePiecewise(obj, where));
  }
}
