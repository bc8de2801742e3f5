import { asObject, readName } from '../config/validate.ts';
import type { Optimizer } from './optimizer.ts';
import {
  PLAIN_OPTIMIZER_NAMES,
  type PlainOptimizerConfig,
  parsePlainOptimizer,
  plainOptimizer,
} from './registry.ts';
import { zookeeperOptimizer } from './zookeeper.ts';
import { parseZooKeeper, type ZooKeeperConfig } from './zookeeper-config.ts';

/** Every optimizer config, normalised (all defaults filled in). */
export type OptimizerConfig = PlainOptimizerConfig | ZooKeeperConfig;

export const OPTIMIZER_NAMES = [...PLAIN_OPTIMIZER_NAMES, 'zookeeper'] as const;

/** Validates an optimizer config (docs/configs.md) and fills in its defaults. */
export function parseOptimizerConfig(config: unknown, where = 'optimizer'): OptimizerConfig {
  const obj = asObject(config, where);
  const name = readName(obj, OPTIMIZER_NAMES, where);
  return name === 'zookeeper' ? parseZooKeeper(obj, where) : parsePlainOptimizer(obj, where);
}

/** The optimizer a recipe names; 'zookeeper' gives the single-rank one (see zookeeperOptimizer). */
export function optimizerFromConfig(config: unknown, where = 'optimizer'): Optimizer {
  const parsed = parseOptimizerConfig(config, where);
  return parsed.name === 'zookeeper' ? zookeeperOptimizer(parsed) : plainOptimizer(parsed);
}
