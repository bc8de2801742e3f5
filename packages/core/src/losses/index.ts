import { asObject, readName } from '../config/validate.ts';
import {
  type BinaryCrossEntropyConfig,
  binaryCrossEntropy,
  parseBinaryCrossEntropy,
} from './binary-cross-entropy.ts';
import { type CosineSimilarityConfig, cosineSimilarity, parseCosineSimilarity } from './cosine-similarity.ts';
import { type CrossEntropyConfig, crossEntropy, parseCrossEntropy } from './cross-entropy.ts';
import { type HingeConfig, hinge, parseHinge } from './hinge.ts';
import { type HuberConfig, huber, parseHuber } from './huber.ts';
import { type KlDivergenceConfig, klDivergence, parseKlDivergence } from './kl-divergence.ts';
import type { LossOf } from './loss.ts';
import { type MaeConfig, mae, parseMae } from './mae.ts';
import { type MseConfig, mse, parseMse } from './mse.ts';
import { type NllConfig, nll, parseNll } from './nll.ts';

export type { Reduction } from './reduce.ts';
export { reduce } from './reduce.ts';
export type {
  BinaryCrossEntropyConfig,
  CosineSimilarityConfig,
  CrossEntropyConfig,
  HingeConfig,
  HuberConfig,
  KlDivergenceConfig,
  MaeConfig,
  MseConfig,
  NllConfig,
};

/** Every loss config, normalised: all defaults filled in. */
export type LossConfig =
  | MseConfig
  | MaeConfig
  | HuberConfig
  | CrossEntropyConfig
  | BinaryCrossEntropyConfig
  | NllConfig
  | KlDivergenceConfig
  | HingeConfig
  | CosineSimilarityConfig;

export type Loss = LossOf<LossConfig>;

export const LOSS_NAMES = [
  'mse',
  'mae',
  'huber',
  'crossEntropy',
  'binaryCrossEntropy',
  'nll',
  'klDivergence',
  'hinge',
  'cosineSimilarity',
] as const satisfies readonly LossConfig['name'][];

/** Builds a loss from its JSON config; `where` is the config's field path for error messages. */
export function lossFromConfig(config: unknown, where = 'loss'): Loss {
  const obj = asObject(config, where);
  const name = readName(obj, LOSS_NAMES, where) as LossConfig['name'];
  switch (name) {
    case 'mse':
      return mse(parseMse(obj, where));
    case 'mae':
      return mae(parseMae(obj, where));
    case 'huber':
      return huber(parseHuber(obj, where));
    case 'crossEntropy':
      return crossEntropy(parseCrossEntropy(obj, where));
    case 'binaryCrossEntropy':
      return binaryCrossEntropy(parseBinaryCrossEntropy(obj, where));
    case 'nll':
      return nll(parseNll(obj, where));
    case 'klDivergence':
      return klDivergence(parseKlDivergence(obj, where));
    case 'hinge':
      return hinge(parseHinge(obj, where));
    case 'cosineSimilarity':
      return cosineSimilarity(parseCosineSimilarity(obj, where));
  }
}
