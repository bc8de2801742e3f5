/**
 * The core symbols this package uses, in one place: the public package, plus ZooKeeper's
 * building blocks (flatten/blend/consensus helpers), which core keeps internal and this package
 * imports by path because it implements ZooKeeper's distributed half.
 */
export {
  type BenchMeasurement,
  type Collective,
  deserializeOptimizerState,
  deserializeState,
  type FloatBuffer,
  fail,
  grad,
  materialize,
  meanOfBuffers,
  median,
  type Optimizer,
  type OptimizerState,
  ops,
  optimizerFromConfig,
  ReferenceBackend,
  ReptileError,
  realize,
  serializeOptimizerState,
  serializeState,
  simulateZooKeeper,
  singleRankCollective,
  Tensor,
  type TypedArray,
  zookeeperOptimizer,
} from '@reptile/core';
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
