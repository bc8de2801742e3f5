/**
 * @reptile/tfjs — Reptile's optimizers, losses and regularizers as drop-ins for TensorFlow.js,
 * and Reptile's tensor protocol running on whatever tfjs backend is active (docs/tfjs.md).
 * Node-only pieces (the file-system IOHandler) are in '@reptile/tfjs/node'.
 */
export { TfjsBackend } from './backend.ts';
export type { WeightsLike } from './ema.ts';
export { type ReptileLossFn, reptileLoss, reptileMetric } from './loss.ts';
export {
  optimizerFromRecipe,
  ReptileOptimizer,
  type ReptileOptimizerOptions,
  reptileOptimizer,
} from './optimizer.ts';
export { type Quirks, quirksOf } from './quirks.ts';
export { ReptileRegularizer, reptileRegularizer } from './regularizer.ts';
export { specFromOptimizer, specFromRecipe, type TrainingSpec, trainingSpec } from './spec.ts';
export { type CompileOptions, compileForTfjs, fromTfjs, TfjsProgram, toTfjs } from './zero-copy.ts';
