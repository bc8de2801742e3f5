import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { makeSchedule, type ScheduleOf } from './schedule.ts';

/**
 * optax.warmup_cosine_decay_schedule: linear init→peak over warmupSteps, then cosine decay
 * peak→end over the remaining decaySteps − warmupSteps steps (decaySteps includes the warm-up),
 * then constant end.
 */
export interface CosineConfig {
  readonly name: 'cosine';
  readonly peak: number;
  readonly decaySteps: number;
  readonly warmupSteps: number;
  readonly init: number;
  readonly end: number;
}

export function parseCosine(obj: JsonObject, where: string): CosineConfig {
  checkKeys(obj, ['name', 'peak', 'decaySteps', 'warmupSteps', 'init', 'end'], where);
  const config: CosineConfig = {
    name: 'cosine',
    peak: readNumber(obj, 'peak', undefined, where),
    decaySteps: readNumber(obj, 'decaySteps', undefined, where, { integer: true, min: 1 }),
    warmupSteps: readNumber(obj, 'warmupSteps', 0, where, { integer: true, min: 0 }),
    init: readNumber(obj, 'init', 0, where),
    end: readNumber(obj, 'end', 0, where),
  };
  // optax rejects a cosine phase of length ≤ 0 (it would divide by zero).
  if (config.decaySteps <= config.warmupSteps) {
    fail(`decaySteps ${config.decaySteps} must exceed warmupSteps ${config.warmupSteps}`, {
      where: `${where}.decaySteps`,
      hint: 'decaySteps counts the warm-up too; give decaySteps > warmupSteps',
    });
  }
  return config;
}

export function cosine(config: CosineConfig): ScheduleOf<CosineConfig> {
  const { peak, init, end, warmupSteps: w, decaySteps: d } = config;
  return makeSchedule(config, (s) => {
    if (s < w) return init + ((peak - init) * s) / w;
    const k = Math.min(s - w, d - w);
    return end + (peak - end) * 0.5 * (1 + Math.cos((Math.PI * k) / (d - w)));
  });
}
