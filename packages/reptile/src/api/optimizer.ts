import {
  type AdagradConfig,
  type AdamConfig,
  type AdamWConfig,
  type LambConfig,
  type LionConfig,
  type OptimizerConfig,
  parseOptimizerConfig,
  proposalConfig,
  type RmspropConfig,
  type SgdConfig,
  type ZooKeeperConfig,
} from '@reptile/core';

/** A validated optimizer config (docs/configs.md) that `fit` trains with on any frontend. */
export interface OptimizerSpec {
  readonly kind: 'optimizer';
  readonly config: OptimizerConfig;
}

/** Every field of every variant of a config union, except the name. */
type Fields<C> = C extends unknown ? keyof C : never;
type Options<C> = { readonly [K in Exclude<Fields<C>, 'name'>]?: unknown };

function factory<C>(name: string, display: string) {
  return (options: Options<C> = {}): OptimizerSpec => ({
    kind: 'optimizer',
    config: parseOptimizerConfig({ ...options, name }, `Optimizer.${display}`),
  });
}

/**
 * Optimizer factories: each maps its options one to one onto the Reptile config of that name,
 * with the same defaults, so `Optimizer.Adam({ lr: 3e-4 })` is `{name: 'adam', lr: 3e-4}` in a
 * recipe. `lr` may be a number or a schedule config.
 */
export const Optimizer = {
  SGD: factory<SgdConfig>('sgd', 'SGD'),
  Adam: factory<AdamConfig>('adam', 'Adam'),
  AdamW: factory<AdamWConfig>('adamw', 'AdamW'),
  RMSprop: factory<RmspropConfig>('rmsprop', 'RMSprop'),
  Adagrad: factory<AdagradConfig>('adagrad', 'Adagrad'),
  Lion: factory<LionConfig>('lion', 'Lion'),
  Lamb: factory<LambConfig>('lamb', 'Lamb'),
  /** ZooKeeper (ZOOKEEPER.md); in one process it is exactly SGD with the same lr (K = 1). */
  ZooKeeper: factory<ZooKeeperConfig>('zookeeper', 'ZooKeeper'),
  /** Any optimizer config as JSON, e.g. from a recipe file. */
  fromConfig: (config: unknown): OptimizerSpec => ({
    kind: 'optimizer',
    config: parseOptimizerConfig(config),
  }),
};

/** A copy of `config` with a fixed learning rate (ZooKeeper with a base keeps lr in the base). */
export function withLearningRate(config: OptimizerConfig, lr: number): OptimizerConfig {
  if (config.name === 'zookeeper' && config.base) return { ...config, base: { ...config.base, lr } };
  return { ...config, lr } as OptimizerConfig;
}

/**
 * The optimizer one process runs for `config`. ZooKeeper with one worker (K = 1) is exactly its
 * proposal optimizer: the consensus mean of one replica is that replica (ZOOKEEPER.md, first
 * property), so the proposal runs directly and the step stays one pure transform, without
 * copying every parameter through a one-rank collective each step.
 */
export function singleProcessOptimizer(config: OptimizerConfig): OptimizerConfig {
  return config.name === 'zookeeper' ? proposalConfig(config) : config;
}
