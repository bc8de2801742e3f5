export { lossProgram, regularizerProgram, type ShapeSpec } from './export/loss.ts';
export { optimizerStepProgram } from './export/optimizer-step.ts';
export { trainLoopModel } from './export/train-loop.ts';
export { type TrainStepSpec, trainStepProgram } from './export/train-step.ts';
export { programBytes, writeModel, writeProgram } from './export/write.ts';
export * from './import/index.ts';
// Building blocks of the importer for tools that evaluate graphs differently (e.g. shape probing
// in @reptile/convert's lifter).
export { interpretGraph } from './import/interpret.ts';
export { protocolDType, Value } from './import/value.ts';
export type { Accumulate, LowerOptions } from './lower/context.ts';
export { describeNode, type LoweredModel, type LowerSpec, lowerToModel } from './lower/lower.ts';
export { LOWERINGS } from './lower/table.ts';
export { ONNX_IR_VERSION, ONNX_OPSET } from './lower/versions.ts';
export { compileProgram, type Program, programModel, type TensorSpec } from './program.ts';
export { decodeModel, encodeModel, type ModelObject } from './proto/schema.ts';
export { OnnxBackend, type OnnxBackendOptions } from './runtime/backend.ts';
export { CompiledGraph, type IoSpec } from './runtime/compiled.ts';
export { nativeAvailable, type SessionConfig } from './runtime/session.ts';
export type { ChunkedStepOptions } from './train/chunked-step.ts';
export { OnnxOptimizer, type OnnxOptimizerState, type OnnxRunOptions } from './train/onnx-optimizer.ts';
export { OnnxTrainer, type OnnxTrainerOptions, type OnnxTrainerState } from './train/onnx-trainer.ts';
