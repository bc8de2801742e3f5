import { checkKeys, type JsonObject, readEnum, readNumber } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { makeSchedule, type ScheduleOf } from './schedule.ts';

/**
 * torch.optim.lr_scheduler.OneCycleLR with three_phase=False: anneal maxLr/divFactor → maxLr
 * until step pctStart·totalSteps − 1 (a float, as torch keeps it), then maxLr →
 * maxLr/(divFactor·finalDivFactor) until step totalSteps − 1.
 */
export interface OneCycleConfig {
  readonly name: 'oneCycle';
  readonly maxLr: number;
  readonly totalSteps: number;
  readonly pctStart: number;
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly annealStrategy: 'cos' | 'linear';
}

export function parseOneCycle(obj: JsonObject, where: string): OneCycleConfig {
  checkKeys(
    obj,
    ['name', 'maxLr', 'totalSteps', 'pctStart', 'divFactor', 'finalDivFactor', 'annealStrategy'],
    where,
  );
  const config: OneCycleConfig = {
    name: 'oneCycle',
    maxLr: readNumber(obj, 'maxLr', undefined, where, { min: 0 }),
    totalSteps: readNumber(obj, 'totalSteps', undefined, where, { integer: true, min: 1 }),
    pctStart: readNumber(obj, 'pctStart', 0.3, where, { min: 0, max: 1 }),
    divFactor: readNumber(obj, 'divFactor', 25, where, { min: 0, exclusiveMin: true }),
    finalDivFactor: readNumber(obj, 'finalDivFactor', 1e4, where, { min: 0, exclusiveMin: true }),
    annealStrategy: readEnum(obj, 'annealStrategy', ['cos', 'linear'] as const, 'cos', where),
  };
  // torch divides by each phase's length; a zero-length phase is a ZeroDivisionError there.
  const warmEnd = config.pctStart * config.totalSteps - 1;
  if (warmEnd === 0 || warmEnd === config.totalSteps - 1) {
    fail(`pctStart·totalSteps = ${warmEnd + 1} leaves a phase of zero length`, {
      where: `${where}.pctStart`,
      hint: 'choose pctStart so that pctStart·totalSteps is neither 1 nor totalSteps',
    });
  }
  return config;
}

export function oneCycle(config: OneCycleConfig): ScheduleOf<OneCycleConfig> {
  const { maxLr, totalSteps, pctStart, divFactor, finalDivFactor, annealStrategy } = config;
  const initial = maxLr / divFactor;
  const minimum = initial / finalDivFactor;
  const warmEnd = pctStart * totalSteps - 1;
  const anneal = (a: number, b: number, pct: number): number =>
    annealStrategy === 'cos' ? b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1) : (b - a) * pct + a;
  return makeSchedule(config, (s) => {
    // torch raises past totalSteps (it allows exactly totalSteps, extrapolating phase 2).
    if (s > totalSteps) {
      fail(`step ${s} is past totalSteps ${totalSteps}`, {
        where: "schedule 'oneCycle'",
        hint: 'raise totalSteps to cover every update of the run',
      });
    }
    if (s <= warmEnd) return anneal(initial, maxLr, s / warmEnd);
    return anneal(maxLr, minimum, (s - warmEnd) / (totalSteps - 1 - warmEnd));
  });
}
