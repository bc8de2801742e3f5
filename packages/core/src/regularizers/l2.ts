import { checkKeys, type JsonObject, readNumber } from '../config/validate.ts';
import { l2Penalty, makeRegularizer, type RegularizerOf } from './regularizer.ts';

/** Keras L2: l2·Σw². */
export interface L2Config {
  readonly name: 'l2';
  readonly l2: number;
}

export function parseL2(obj: JsonObject, where: string): L2Config {
  checkKeys(obj, ['name', 'l2'], where);
  return { name: 'l2', l2: readNumber(obj, 'l2', 0.01, where, { min: 0 }) };
}

export function l2(config: L2Config): RegularizerOf<L2Config> {
  return makeRegularizer(config, (w) => l2Penalty(w, config.l2));
}
