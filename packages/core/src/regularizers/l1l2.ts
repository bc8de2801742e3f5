import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { l1Penalty, l2Penalty, makeRegularizer, type RegularizerOf } from './regularizer.ts';

/** Keras L1L2: l1·Σ|w| + l2·Σw². */
export interface L1L2Config {
  readonly name: 'l1l2';
  readonly l1: number;
  readonly l2: number;
}

export function parseL1L2(obj: JsonObject, where: string): L1L2Config {
  checkKeys(obj, ['name', 'l1', 'l2'], where);
  return {
    name: 'l1l2',
    l1: readNumber(obj, 'l1', 0.01, where, { min: 0 }),
    l2: readNumber(obj, 'l2', 0.01, where, { min: 0 }),
  };
}

export function l1l2(config: L1L2Config): RegularizerOf<L1L2Config> {
  return makeRegularizer(config, (w) => l1Penalty(w, config.l1).add(l2Penalty(w, config.l2)));
}
