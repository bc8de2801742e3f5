import { type JsonObject, readName } from '../config/validate.ts';
import { type AdagradConfig, adagradTransform, parseAdagrad } from './adagrad.ts';
import { type AdamConfig, adamTransform, parseAdam } from './adam.ts';
import { type AdamWConfig, adamwTransform, parseAdamW } from './adamw.ts';
import { type LambConfig, lambTransform, parseLamb } from './lamb.ts';
import { type LionConfig, lionTransform, parseLion } from './lion.ts';
import { type Optimizer, optimizerFor } from './optimizer.ts';
import { parseRmsprop, type RmspropConfig, rmspropTransform } from './rmsprop.ts';
import { parseSgd, type SgdConfig, sgdTransform } from './sgd.ts';

/** Every optimizer that is a pure gradient transformation (no communication). */
export type PlainOptimizerConfig =
  | SgdConfig
  | AdamConfig
  | AdamWConfig
  | RmspropConfig
  | AdagradConfig
  | LionConfig
  | LambConfig;

export const PLAIN_OPTIMIZER_NAMES = [
  'sgd',
  'adam',
  'adamw',
  'rmsprop',
  'adagrad',
  'lion',
  'lamb',
] as const satisfies readonly PlainOptimizerConfig['name'][];

/** Validates `obj` (whose name is known to be a plain optimizer) and fills in defaults. */
export function parsePlainOptimizer(obj: JsonObject, where: string): PlainOptimizerConfig {
  const name = readName(obj, PLAIN_OPTIMIZER_NAMES, where) as PlainOptimizerConfig['name'];
  switch (name) {
    case 'sgd':
      return parseSgd(obj, where);
    case 'adam':
      return parseAdam(obj, where);
    case 'adamw':
      return parseAdamW(obj, where);
    case 'rmsprop':
      return parseRmsprop(obj, where);
    case 'adagrad':
      return parseAdagrad(obj, where);
    case 'lion':
      return parseLion(obj, where);
    case 'lamb':
      return parseLamb(obj, where);
  }
}

export function plainOptimizer(config: PlainOptimizerConfig): Optimizer {
  switch (config.name) {
    case 'sgd':
      return optimizerFor(config, sgdTransform);
    case 'adam':
      return optimizerFor(config, adamTransform);
    case 'adamw':
      return optimizerFor(config, adamwTransform);
    case 'rmsprop':
      return optimizerFor(config, rmspropTransform);
    case 'adagrad':
      return optimizerFor(config, adagradTransform);
    case 'lion':
      return optimizerFor(config, lionTransform);
    case 'lamb':
      return optimizerFor(config, lambTransform);
  }
}
