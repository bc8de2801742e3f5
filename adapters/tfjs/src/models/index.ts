/** tfjs LayersModel import and export for Reptile's portable model description (docs/tfjs-models.md). */
export { exportTfjsModel, tfjsArtifacts } from './export.ts';
export {
  type BuiltImport,
  type BuiltModel,
  type ImportedTfjsModel,
  type ImportOptions,
  importTfjsModel,
  orderedWeights,
} from './import.ts';
export { LAYER_MAPS } from './keras-layers.ts';
