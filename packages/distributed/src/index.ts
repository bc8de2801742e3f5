export {
  completeSteps,
  loadCheckpoint,
  loadConsensus,
  type RankCheckpoint,
  type SaveOptions,
  saveCheckpoint,
  writeFileAtomic,
} from './checkpoint.ts';
export { type ConnectOptions, connect, type WorldCollective, worldInfo } from './connect.ts';
export { ENV } from './env.ts';
export { launch, startLaunch } from './launch.ts';
export { type CommandIo, launchCommand, parseLaunchArgs } from './launch-command.ts';
export type {
  LaunchHandle,
  LaunchOptions,
  LaunchResult,
  LineSink,
  RankExit,
  TransportName,
} from './launch-types.ts';
export { type LocalCollective, localCollective } from './local/local-collective.ts';
export { createLocalWorld, type LocalWorld } from './local/world.ts';
export { loadMpiAddon, MPI_INSTALL_HINT, mpiAvailable } from './mpi/addon.ts';
export { type MpiCollective, type MpiOptions, mpiCollective } from './mpi/mpi-collective.ts';
export { mpirunArgs } from './mpi/run-mpirun.ts';
export { createRng, permutation, type Rng } from './rng.ts';
export { epochSeed, shardIndices, shardRange } from './shard.ts';
export { type RankStep, type ZooKeeperRank, zookeeperRank } from './zookeeper-rank.ts';
