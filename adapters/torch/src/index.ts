export { FILE_FORMAT_VERSION, METADATA_FILE, writeTorchScriptArchive } from './archive/archive.ts';
export { type Artifact, type ExportOptions, exportArtifact, lowerArtifact } from './artifacts/artifact.ts';
export { lossArtifact, regularizerArtifact } from './artifacts/loss.ts';
export { optimizerStepArtifact } from './artifacts/optimizer-step.ts';
export { type TrainStepSpec, trainStepArtifact } from './artifacts/train-step.ts';
export {
  type AsyncBackend,
  realizeAsync,
  settleAsync,
  TorchBackend,
  type TorchBackendOptions,
} from './backend/torch-backend.ts';
export { torchUnavailableReason } from './bridge/availability.ts';
export { TORCH_REQUIREMENT, type WorkerInfo } from './bridge/process.ts';
export type { WireTensor } from './bridge/protocol.ts';
export {
  type CallOptions,
  type RunInput,
  type RunOptions,
  TorchWorker,
  type TorchWorkerOptions,
} from './bridge/worker.ts';
export type { NamedTensorSpec as TensorSpec, ShapeSpec } from './core.ts';
export { type LowerOptions, lowerGraph, lowerModule, type MethodSpec } from './lower/lower.ts';
export type { ModuleSignature, TorchScriptModule } from './lower/module.ts';
export { PRIM_LOWERINGS } from './lower/prims.ts';
export * from './models/index.ts';
export { TorchPeers, torchPeerSkipReason } from './peers.ts';
export { TorchOptimizer, type TorchOptimizerOptions } from './train/torch-optimizer.ts';
export { TorchZooKeeper } from './train/torch-zookeeper.ts';
