import { fail } from '@reptile/core';

/** Predicted class per row: the index of the first maximum (as argMax does). */
export function argMaxRows(values: Float32Array, classes: number): Int32Array {
  const n = values.length / classes;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    let bestValue = values[r * classes]!;
    for (let c = 1; c < classes; c++) {
      const v = values[r * classes + c]!;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

/**
 * Class indices from one-column outputs: a single output is a binary classifier's score
 * (positive when > 0.5 for probabilities, > 0 for logits).
 */
export function predictedClasses(values: Float32Array, width: number, logits = false): Int32Array {
  if (width > 1) return argMaxRows(values, width);
  const threshold = logits ? 0 : 0.5;
  return Int32Array.from(values, (v) => (v > threshold ? 1 : 0));
}

export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  if (predicted.length !== labels.length)
    fail(`${predicted.length} predictions for ${labels.length} labels`, { where: 'accuracy' });
  if (labels.length === 0) return Number.NaN;
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hit++;
  return hit / labels.length;
}

/** Fraction of rows whose label is among the k highest outputs (ties broken toward lower index). */
export function topKAccuracy(values: Float32Array, classes: number, labels: Int32Array, k: number): number {
  let hit = 0;
  for (let r = 0; r < labels.length; r++) {
    const target = values[r * classes + labels[r]!]!;
    let above = 0;
    for (let c = 0; c < classes; c++) {
      const v = values[r * classes + c]!;
      if (v > target || (v === target && c < labels[r]!)) above++;
    }
    if (above < k) hit++;
  }
  return hit / labels.length;
}

/** matrix[true][predicted] counts. */
export function confusionMatrix(predicted: Int32Array, labels: Int32Array, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predicted[i]!;
    if (t < classes && p < classes) m[t]![p]!++;
  }
  return m;
}

export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows whose true class this is. */
  readonly support: number;
}

/**
 * Per-class precision, recall and F1 from a confusion matrix. A class never predicted has
 * precision 0 and one never present has recall 0 (scikit-learn's zero_division=0).
 */
export function classScores(matrix: readonly (readonly number[])[]): ClassScores[] {
  const k = matrix.length;
  return matrix.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += matrix[r]![c]!;
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
}

/** Unweighted means over classes that occur in the labels (macro averages). */
export function macroAverage(scores: readonly ClassScores[]): {
  precision: number;
  recall: number;
  f1: number;
} {
  const present = scores.filter((s) => s.support > 0);
  const mean = (f: (s: ClassScores) => number) =>
    present.reduce((a, s) => a + f(s), 0) / Math.max(present.length, 1);
  return { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1) };
}
