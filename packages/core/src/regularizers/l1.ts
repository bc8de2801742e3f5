import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { l1Penalty, makeRegularizer, type RegularizerOf } from './regularizer.ts';

/** Keras L1: l1·Σ|w|. */
export interface L1Config {
  readonly name: 'l1';
  readonly l1: number;
}

export function parseL1(obj: JsonObject, where: string): L1Config {
  checkKeys(obj, ['name', 'l1'], where);
  return { name: 'l1', l1: readNumber(obj, 'l1', 0.01, where, { min: 0 }) };
}

export function l1(config: L1Config): RegularizerOf<L1Config> {
  return makeRegularizer(config, (w) => l1Penalty(w, config.l1));
}
