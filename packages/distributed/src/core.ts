/**
 * The core symbols this package uses, in one place. Imported by path because the workspace is
 * not linked (as in packages/cli/src/workspace.ts); switching to `@reptile/core` is a change to
 * this file only.
 */
export { fail, ReptileError } from '../../core/src/errors.ts';
export {
  type Collective,
  deserializeOptimizerState,
  deserializeState,
  type FloatBuffer,
  grad,
  materialize,
  meanOfBuffers,
  type Optimizer,
  type OptimizerState,
  ops,
  optimizerFromConfig,
  realize,
  serializeOptimizerState,
  serializeState,
  simulateZooKeeper,
  singleRankCollective,
  Tensor,
  zookeeperOptimizer,
} from '../../core/src/index.ts';
export {
  allreduceMeanTensors,
  blend,
  broadcastParams,
  flatten,
  isSyncStep,
  proposer,
  unflatten,
  zookeeperConfig,
} from '../../core/src/optim/zookeeper.ts';
export type { ZooKeeperConfig } from '../../core/src/optim/zookeeper-config.ts';
