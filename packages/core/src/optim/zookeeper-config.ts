import { asObject, checkKeys, type JsonObject, readBoolean, readNumber } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { type LrConfig, readLr, readRate } from './config-fields.ts';
import { type PlainOptimizerConfig, parsePlainOptimizer } from './registry.ts';

interface ZooKeeperCommon {
  readonly name: 'zookeeper';
  /** β: how far each replica is pulled to the consensus at a sync step (1 = all the way). */
  readonly beta: number;
  /** H: step t (0-based) is a sync step when (t + 1) mod H == 0. */
  readonly syncEvery: number;
}

/** The proposal x̃_k is SGD (optionally heavy-ball / Nesterov) with ZooKeeper's own lr ... */
export interface ZooKeeperSgdConfig extends ZooKeeperCommon {
  readonly lr: LrConfig;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly base?: undefined;
}

/** ... or any plain optimizer's step, with that optimizer's own lr and local state (DiLoCo-like). */
export interface ZooKeeperBaseConfig extends ZooKeeperCommon {
  readonly base: PlainOptimizerConfig;
}

export type ZooKeeperConfig = ZooKeeperSgdConfig | ZooKeeperBaseConfig;

export function parseZooKeeper(obj: JsonObject, where: string): ZooKeeperConfig {
  checkKeys(obj, ['name', 'lr', 'beta', 'syncEvery', 'momentum', 'nesterov', 'base'], where);
  const common: ZooKeeperCommon = {
    name: 'zookeeper',
    beta: readNumber(obj, 'beta', 1, where, { min: 0, max: 1 }),
    syncEvery: readNumber(obj, 'syncEvery', 1, where, { min: 1, integer: true }),
  };
  if (obj.base !== undefined) {
    // With a base the proposal is the base optimizer's step, so ZooKeeper's own lr and momentum
    // would be silently unused; refuse them rather than let a recipe look like it sets them.
    for (const key of ['lr', 'momentum', 'nesterov']) {
      if (obj[key] !== undefined) {
        fail(`'${key}' has no effect when 'base' is given`, {
          where: `${where}.${key}`,
          hint: `set ${key} inside ${where}.base instead`,
        });
      }
    }
    const baseWhere = `${where}.base`;
    const baseObj = asObject(obj.base, baseWhere);
    if (baseObj.name === 'zookeeper') {
      fail('a ZooKeeper base cannot itself be ZooKeeper', {
        where: `${baseWhere}.name`,
        hint: 'use a plain optimizer',
      });
    }
    return { ...common, base: parsePlainOptimizer(baseObj, baseWhere) };
  }
  const config: ZooKeeperSgdConfig = {
    ...common,
    lr: readLr(obj, 0.01, where),
    momentum: readRate(obj, 'momentum', 0, where),
    nesterov: readBoolean(obj, 'nesterov', false, where),
  };
  if (config.nesterov && config.momentum === 0) {
    fail('nesterov needs momentum > 0', { where: `${where}.nesterov`, hint: 'set momentum' });
  }
  return config;
}

/** The plain optimizer that forms each worker's local proposal x̃_k. */
export function proposalConfig(config: ZooKeeperConfig): PlainOptimizerConfig {
  if (config.base !== undefined) return config.base;
  // Heavy-ball m ← μm + g from a zero buffer is torch SGD with dampening 0, so reusing SGD makes
  // K = 1 ZooKeeper bit-identical to SGD by construction.
  return {
    name: 'sgd',
    lr: config.lr,
    momentum: config.momentum,
    dampening: 0,
    nesterov: config.nesterov,
    weightDecay: 0,
  };
}
