export { traceLoss, traceRegularizer } from './artifacts/loss.ts';
export {
  type OptimizerStepTrace,
  traceInitState,
  traceOptimizerStep,
  traceUpdate,
  type UpdateParts,
} from './artifacts/optimizer-step.ts';
export {
  type NamedNode,
  type NamedTensorSpec,
  named,
  placeholders,
  programGraph,
  type ShapeSpec,
  type TracedProgram,
} from './artifacts/program.ts';
export {
  resolveLoss,
  resolveOptimizer,
  resolveRegularizer,
  type TraceableOptimizer,
} from './artifacts/resolve.ts';
export {
  flattenState,
  flattenTensors,
  rebuildState,
  type StateLeaf,
  stateSkeleton,
} from './artifacts/state-tree.ts';
export { type TrainStepSpec, type TrainStepTrace, traceTrainStep } from './artifacts/train-step.ts';
export { grad, valueAndGrad } from './autodiff/grad.ts';
export { GRAD_RULES } from './autodiff/rules.ts';
export type { Backend } from './backend/backend.ts';
export { getBackend, setBackend } from './backend/backend.ts';
export { type BenchMeasurement, type FrontendBenchEntry, median } from './bench.ts';
export * from './config/validate.ts';
export type { DType, TypedArray } from './dtype.ts';
export { castScalar, DTYPES, isFloat, parseDType, toTyped } from './dtype.ts';
export { fail, ReptileError } from './errors.ts';
export { Node, topoSort } from './ir/node.ts';
export type { Op, PrimName } from './ir/op.ts';
export { ALL_PRIMS, primName } from './ir/op.ts';
export * from './losses/index.ts';
export * from './optim/index.ts';
export * from './recipe/recipe.ts';
export { DEFAULT_POOL_BYTES, ReferenceBackend, type ReferenceBackendOptions } from './reference/backend.ts';
export { BufferPool } from './reference/buffer-pool.ts';
export * from './regularizers/index.ts';
export * from './schedules/index.ts';
export type { Shape } from './shape.ts';
export { broadcastShapes, sizeOf } from './shape.ts';
export * as ops from './tensor/composite.ts';
export type { ConvOptions } from './tensor/conv-options.ts';
export type { TensorLike } from './tensor/tensor.ts';
export { materialize, realize, Tensor } from './tensor/tensor.ts';
export type { Graph, TensorSpec } from './tensor/trace.ts';
export { graphSignature, runGraph, trace } from './tensor/trace.ts';
export { deserializeTrainerState, serializeTrainerState } from './train/state-io.ts';
export { type StepResult, Trainer, type TrainerState } from './train/trainer.ts';
