import { fail, type LossConfig, lossFromConfig, Tensor } from '@reptile/core';
import type { Dataset } from '../data/dataset.ts';
import {
  accuracy,
  type ClassScores,
  classScores,
  confusionMatrix,
  macroAverage,
  predictedClasses,
  topKAccuracy,
} from './metrics.ts';

/** Metric names for fit and evaluate: 'accuracy', 'topK' as 'top3', 'precision', 'recall', 'f1' (macro), 'mae', 'mse'. */
export type MetricName = string;

export function checkMetric(name: string, task: Dataset['task']): void {
  const classification = ['accuracy', 'precision', 'recall', 'f1'].includes(name) || /^top\d+$/.test(name);
  const regression = name === 'mae' || name === 'mse';
  if (!classification && !regression)
    fail(`unknown metric '${name}'`, {
      where: 'fit options.metrics',
      hint: "use 'accuracy', 'top5' (any k), 'precision', 'recall', 'f1', 'mae' or 'mse'",
    });
  if (classification && task !== 'classification')
    fail(`metric '${name}' needs class labels`, {
      where: 'fit options.metrics',
      hint: "use 'mae' or 'mse' for regression",
    });
}

/** Model outputs for a whole dataset: values [size, width], logits when the output activation was fused. */
export interface Outputs {
  readonly values: Float32Array;
  readonly width: number;
  readonly logits: boolean;
}

export function computeMetrics(
  names: readonly string[],
  outputs: Outputs,
  data: Dataset,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (names.length === 0) return out;
  if (data.task === 'classification') {
    const labels = data.classLabels();
    const predicted = predictedClasses(outputs.values, outputs.width, outputs.logits);
    const classes = Math.max(outputs.width, data.classes, 2);
    const scores = names.some((n) => ['precision', 'recall', 'f1'].includes(n))
      ? macroAverage(classScores(confusionMatrix(predicted, labels, classes)))
      : undefined;
    for (const name of names) {
      if (name === 'accuracy') out.accuracy = accuracy(predicted, labels);
      else if (/^top\d+$/.test(name))
        out[name] = topKAccuracy(outputs.values, outputs.width, labels, Number(name.slice(3)));
      else if (scores && (name === 'precision' || name === 'recall' || name === 'f1'))
        out[name] = scores[name];
    }
    return out;
  }
  const targets = data.labels as Float32Array;
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < targets.length; i++) {
    const d = outputs.values[i]! - targets[i]!;
    abs += Math.abs(d);
    sq += d * d;
  }
  if (names.includes('mae')) out.mae = abs / targets.length;
  if (names.includes('mse')) out.mse = sq / targets.length;
  return out;
}

/** The mean loss over the dataset, computed from the outputs with the loss config it trained with. */
export function datasetLoss(loss: LossConfig, outputs: Outputs, data: Dataset): number {
  const all = data.batch(Int32Array.from({ length: data.size }, (_, i) => i));
  if (!all.y) fail('the data has no labels', { where: data.source });
  const yPred = Tensor.fromData(outputs.values, [data.size, outputs.width]);
  const yTrue =
    all.y instanceof Int32Array
      ? Tensor.fromData(all.y, all.yShape, 'int32')
      : Tensor.fromData(all.y, all.yShape);
  const value = lossFromConfig(loss).compute(yTrue, yPred);
  return (value.size === 1 ? value : value.mean()).item();
}

/**
 * A classifier's scores on labelled data: what `model.evaluate(data, { report: true })` returns.
 * Accuracies and scores are fractions in [0, 1].
 */
export interface EvaluationReport {
  /** Rows evaluated. */
  readonly samples: number;
  /**
   * The loss over all rows, reduced as the criterion says (mean by default), without
   * regularization penalties. The criterion is the one given, else the last fit's, else
   * cross-entropy.
   */
  readonly loss: number;
  /** Fraction of rows whose arg-max class is the label. */
  readonly accuracy: number;
  /**
   * Fraction of rows whose label is among the 5 highest outputs (ties go to the lower class;
   * all outputs if there are fewer than 5); NaN for a model with a single output.
   */
  readonly top5: number;
  /** Macro average of the per-class precisions, over the classes present in the labels. */
  readonly precision: number;
  /** Macro average over the classes present, like precision. */
  readonly recall: number;
  /** Macro average of the per-class F1 scores over the classes present, like precision. */
  readonly f1: number;
  /** Precision, recall, F1 and support of every class, by class index. */
  readonly perClass: readonly ClassScores[];
  /** confusionMatrix[true][predicted] */
  readonly confusionMatrix: readonly (readonly number[])[];
}

export function classificationReport(loss: number, outputs: Outputs, data: Dataset): EvaluationReport {
  const labels = data.classLabels();
  const predicted = predictedClasses(outputs.values, outputs.width, outputs.logits);
  const classes = Math.max(outputs.width, data.classes, 2);
  const matrix = confusionMatrix(predicted, labels, classes);
  const perClass = classScores(matrix);
  return {
    samples: data.size,
    loss,
    accuracy: accuracy(predicted, labels),
    top5:
      outputs.width > 1
        ? topKAccuracy(outputs.values, outputs.width, labels, Math.min(5, outputs.width))
        : Number.NaN,
    ...macroAverage(perClass),
    perClass,
    confusionMatrix: matrix,
  };
}

/** A fixed-width text table of a confusion matrix, for logs. */
export function formatConfusionMatrix(
  matrix: readonly (readonly number[])[],
  names?: readonly string[],
): string {
  const labels = matrix.map((_, i) => names?.[i] ?? String(i));
  const w = Math.max(...labels.map((l) => l.length), ...matrix.flat().map((v) => String(v).length)) + 1;
  const head = `${'true\\pred'.padEnd(w + 2)}${labels.map((l) => l.padStart(w)).join('')}`;
  return [
    head,
    ...matrix.map((row, i) => `${labels[i]!.padEnd(w + 2)}${row.map((v) => String(v).padStart(w)).join('')}`),
  ].join('\n');
}
