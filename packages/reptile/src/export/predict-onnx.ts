import { Data } from '../data/data.ts';
import type { Dataset } from '../data/dataset.ts';
import { predictedClasses } from '../model/metrics.ts';
import { loadOnnxModel, runOnnxModel } from './onnx-run.ts';

/** What `predictWithOnnx` returns: the exported model's outputs for every row of the data file. */
export interface OnnxPredictions {
  /** Row-major outputs [rows, width]: the probabilities for a softmax model. */
  readonly values: Float32Array;
  /** `[rows, width]`: the data file's row count and the model's outputs per row. */
  readonly shape: readonly [number, number];
  /** Arg-max class per row. */
  readonly classes: Int32Array;
  /** Per row: its class and its probabilities (views into `values`). */
  readonly rows: readonly { readonly class: number; readonly probabilities: Float32Array }[];
  /**
   * Fraction of rows, in [0, 1], whose class equals the file's label column, when it has class
   * labels; undefined otherwise.
   */
  readonly accuracy: number | undefined;
}

/** Options of `predictWithOnnx`. */
export interface PredictWithOnnxOptions {
  /**
   * The CSV's label column (name or index), or null for none. Default: detected — the column
   * named 'label', else the last one, unless that leaves one feature fewer than the model takes,
   * in which case the file is read as having no label column.
   */
  readonly label?: string | number | null;
}

/**
 * The data file's features as the model's input. Without an explicit `label`, the file is read
 * as Data.fromFile does (a 'label' column, else the last column is the label); if that leaves
 * one feature too few, the file has no label column and is read again without one.
 */
async function readFeatures(
  path: string,
  featureSize: number,
  options: PredictWithOnnxOptions,
): Promise<Dataset> {
  // normalize 'none': the exported graph applies the training statistics itself.
  const read = (label?: string | number | null) =>
    Data.fromFile(path, { normalize: 'none', ...(label !== undefined ? { label } : {}) });
  if (options.label !== undefined) return read(options.label);
  const data = await read();
  return data.featureSize === featureSize - 1 ? read(null) : data;
}

/**
 * Predicts every row of a CSV (or JSON lines / .npy) file with an exported model run by
 * onnxruntime-node — no Reptile model needed. The backing of `reptile predict model.onnx input.csv`.
 */
export async function predictWithOnnx(
  modelPath: string,
  dataPath: string,
  options: PredictWithOnnxOptions = {},
): Promise<OnnxPredictions> {
  const model = await loadOnnxModel(modelPath);
  try {
    const featureSize = model.inputShape.slice(1).reduce((a, b) => a * b, 1);
    const data = await readFeatures(dataPath, featureSize, options);
    const { values, width } = await runOnnxModel(model, data.features, data.size);
    const classes = predictedClasses(values, width);
    const rows = Array.from(classes, (c, i) => ({
      class: c,
      probabilities: values.subarray(i * width, (i + 1) * width),
    }));
    let accuracy: number | undefined;
    if (data.task === 'classification' && data.labels instanceof Int32Array && data.size > 0) {
      let hits = 0;
      for (let i = 0; i < data.size; i++) if (classes[i] === data.labels[i]) hits++;
      accuracy = hits / data.size;
    }
    return { values, shape: [data.size, width], classes, rows, accuracy };
  } finally {
    await model.session.release();
  }
}
