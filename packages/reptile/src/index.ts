/**
 * Reptile's high-level API: `Model`, `Data`, `Optimizer`, `Loss`, `layers`. Models are written
 * once against the tensor protocol and train on any frontend.
 */
export { layers } from './api/layers.ts';
export { Loss, type LossSpec } from './api/loss.ts';
export { Optimizer, type OptimizerSpec, singleProcessOptimizer, withLearningRate } from './api/optimizer.ts';
export { Regularizer, Schedule } from './api/regularizer.ts';
export { writeFileAtomic } from './atomic.ts';
export { Data, type DataFormat, type FromFileOptions } from './data/data.ts';
export { type Batch, Dataset, type LabelEncoding, type NormalizeMethod, type Task } from './data/dataset.ts';
export { encodeNpy, readNpy } from './data/npy.ts';
export { type MnistCsvOptions, writeMnistCsv } from './demo/mnist-csv.ts';
export { type DemoOptions, type DemoResult, runDemo } from './demo/run-demo.ts';
export { ONNX_DEPLOY_TOLERANCE, type OnnxCheck, onnxDeploy } from './export/onnx-deploy.ts';
export { exportOnnx, type OnnxExportOptions, onnxProgram } from './export/onnx-export.ts';
export { type OnnxPredictions, type PredictWithOnnxOptions, predictWithOnnx } from './export/predict-onnx.ts';

// Registers the 'onnx' exporter, so model.export('model.onnx') works whenever 'reptile' is imported.
import './export/register.ts';

export { defaultFrontend, setDefaultFrontend } from './frontend/default.ts';
export { type Exporter, registerExporter } from './frontend/exporters.ts';
export {
  type Frontend,
  type HostBatch,
  type ParamSpec,
  registeredFrontends,
  registerFrontend,
  type StepOutput,
  type TrainProgram,
  type TrainSession,
} from './frontend/frontend.ts';
export { type FrontendTiming, measureFrontends } from './frontend/measure.ts';
export { ReferenceFrontend } from './frontend/reference.ts';
export { type Callback, callbacks, type TrainingControl } from './model/callbacks.ts';
export { type EvaluationReport, formatConfusionMatrix } from './model/evaluation.ts';
export { DEFAULT_BATCH_SIZE, type FitOptions } from './model/fit.ts';
export { type EpochLogs, History } from './model/history.ts';
export type { LrFinderOptions, LrFinderResult } from './model/lr-finder.ts';
export { Model, type ModelOptions } from './model/model.ts';
export type { ProgressOutput, Verbosity } from './model/progress.ts';
export { historySvg, plotHistoryFile, writeHistoryPlot } from './plot/history-plot.ts';
export { lrFinderSvg, writeLrFinderPlot } from './plot/lr-plot.ts';
