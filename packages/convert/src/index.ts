/**
 * @reptile/convert — model files between tfjs, ONNX, TorchScript and Reptile's own format,
 * through the portable description (docs/models.md); running any supported model file on any
 * frontend; verifying a conversion on each file's own runtime.
 */
export { compareOutputs, type Difference } from './compare.ts';
export { type ConvertOptions, type ConvertReport, convertModel, saveModelFile } from './convert.ts';
export { FORMATS, formatOfPath, type ModelFormat, parseFormat } from './formats.ts';
export { evaluateOn, parseFrontend, RUN_FRONTENDS, type RunFrontend } from './frontends.ts';
export { runNatively } from './native/run.ts';
export { exportOnnxModel, modelProgram, type OnnxModelExportOptions } from './onnx/export.ts';
export { liftOnnxModel } from './onnx/lift.ts';
export { importPortable, type ModelInput, type OpenedModel, openModel } from './open.ts';
export { type BuiltModel, buildPortable, type PortableModel } from './portable.ts';
export { randomInputs } from './random-inputs.ts';
export { runModelFile } from './run.ts';
export {
  readTensorFile,
  type TensorJson,
  tensorFromJson,
  tensorsFromJson,
  tensorsToJson,
  tensorToJson,
} from './tensor-json.ts';
