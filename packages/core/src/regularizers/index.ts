import { asObject, readName } from '../config/validate.ts';
import { type L1Config, l1, parseL1 } from './l1.ts';
import { type L1L2Config, l1l2, parseL1L2 } from './l1l2.ts';
import { type L2Config, l2, parseL2 } from './l2.ts';
import type { RegularizerOf } from './regularizer.ts';

export type { L1Config, L1L2Config, L2Config };

/** Every regularizer config, normalised: all defaults filled in. */
export type RegularizerConfig = L1Config | L2Config | L1L2Config;

export type Regularizer = RegularizerOf<RegularizerConfig>;

export const REGULARIZER_NAMES = ['l1', 'l2', 'l1l2'] as const satisfies readonly RegularizerConfig['name'][];

/** Builds a regularizer from its JSON config; `where` is the config's field path for errors. */
export function regularizerFromConfig(config: unknown, where = 'regularizer'): Regularizer {
  const obj = asObject(config, where);
  const name = readName(obj, REGULARIZER_NAMES, where) as RegularizerConfig['name'];
  switch (name) {
    case 'l1':
      return l1(parseL1(obj, where));
    case 'l2':
      return l2(parseL2(obj, where));
    case 'l1l2':
      return l1l2(parseL1L2(obj, where));
  }
}
