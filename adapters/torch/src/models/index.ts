export {
  type ExportedWeight,
  exportTorchScript,
  MODEL_RECORD_FORMAT,
  type ModelRecord,
  type TorchScriptExportOptions,
  torchScriptModelBytes,
} from './export.ts';
export { type ImportedTorchScriptModel, importTorchScript, readTorchScriptModel } from './import.ts';
export { MODEL_FILE } from './model-archive.ts';
export type { ExportableModel, ExportWeightSpec, ModelTensorSpec } from './model-trace.ts';
export { type ParameterName, parameterNames } from './parameter-names.ts';
