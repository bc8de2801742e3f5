export { type AdagradConfig, adagrad } from './adagrad.ts';
export { type AdamConfig, adam } from './adam.ts';
export { type AdamWConfig, adamw } from './adamw.ts';
export { addDecayedWeights } from './add-decayed-weights.ts';
export { addWeightDecay } from './add-weight-decay.ts';
export { clipByGlobalNorm, clipByValue } from './clip.ts';
export { type Collective, type FloatBuffer, meanOfBuffers, singleRankCollective } from './collective.ts';
export type { LrConfig } from './config-fields.ts';
export {
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  optimizerFromConfig,
  parseOptimizerConfig,
} from './from-config.ts';
export { type LambConfig, lamb } from './lamb.ts';
export { type LionConfig, lion } from './lion.ts';
export { fromTransform, type Optimizer, type OptimizerState } from './optimizer.ts';
export type { PlainOptimizerConfig } from './registry.ts';
export { type RmspropConfig, rmsprop } from './rmsprop.ts';
export { type ScaleByAdagradState, scaleByAdagrad } from './scale-by-adagrad.ts';
export { type EpsilonStyle, type ScaleByAdamState, scaleByAdam } from './scale-by-adam.ts';
export { scaleByLearningRate } from './scale-by-learning-rate.ts';
export { type ScaleByLionState, scaleByLion } from './scale-by-lion.ts';
export { type ScaleByRmsState, scaleByRms } from './scale-by-rms.ts';
export { scaleByTrustRatio } from './scale-by-trust-ratio.ts';
export { type SgdConfig, sgd } from './sgd.ts';
export {
  deserializeOptimizerState,
  deserializeState,
  type SerializedTensor,
  serializeOptimizerState,
  serializeState,
} from './state-io.ts';
export { type TraceMomentumState, traceMomentum } from './trace-momentum.ts';
export { chain, type GradientTransformation, type StepContext, stateless, stepContext } from './transform.ts';
export {
  allreduceMeanTensors,
  blend,
  broadcastParams,
  consensusParams,
  isSyncStep,
  zookeeperOptimizer,
} from './zookeeper.ts';
export {
  proposalConfig,
  type ZooKeeperBaseConfig,
  type ZooKeeperConfig,
  type ZooKeeperSgdConfig,
} from './zookeeper-config.ts';
export { simulateZooKeeper, type ZooKeeperSimState, type ZooKeeperSimulation } from './zookeeper-sim.ts';
