import { describe, expect, it } from 'vitest';
import {
  accuracy,
  argMaxRows,
  classScores,
  confusionMatrix,
  macroAverage,
  predictedClasses,
  topKAccuracy,
} from './metrics.ts';

describe('metrics', () => {
  const values = Float32Array.of(0.1, 0.7, 0.2, 0.5, 0.3, 0.2, 0.3, 0.3, 0.4, 0.6, 0.1, 0.3);
  const labels = Int32Array.of(1, 1, 2, 2);

  it('argmax picks the first maximum per row', () => {
    expect(Array.from(argMaxRows(values, 3))).toEqual([1, 0, 2, 0]);
    expect(Array.from(argMaxRows(Float32Array.of(1, 1), 2))).toEqual([0]);
  });

  it('accuracy and top-k', () => {
    expect(accuracy(argMaxRows(values, 3), labels)).toBe(0.5);
    // row 1: label 1 (0.3) is second; row 3: label 2 (0.3) is second → top-2 hits all four
    expect(topKAccuracy(values, 3, labels, 2)).toBe(1);
    expect(topKAccuracy(values, 3, labels, 1)).toBe(0.5);
  });

  it('binary scores threshold at 0.5, logits at 0', () => {
    expect(Array.from(predictedClasses(Float32Array.of(0.2, 0.6), 1))).toEqual([0, 1]);
    expect(Array.from(predictedClasses(Float32Array.of(-0.2, 0.1), 1, true))).toEqual([0, 1]);
  });

  it('confusion matrix, precision, recall and F1 by hand', () => {
    // true: 0 0 1 1 1 2 ; predicted: 0 1 1 1 0 1
    const m = confusionMatrix(Int32Array.of(0, 1, 1, 1, 0, 1), Int32Array.of(0, 0, 1, 1, 1, 2), 3);
    expect(m).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [0, 1, 0],
    ]);
    const s = classScores(m);
    // class 0: tp 1, predicted 2, support 2 → p 0.5, r 0.5, f1 0.5
    expect(s[0]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    // class 1: tp 2, predicted 4, support 3 → p 0.5, r 2/3, f1 = 2·(1/3)/(7/6) = 4/7
    expect(s[1]!.precision).toBe(0.5);
    expect(s[1]!.recall).toBeCloseTo(2 / 3, 15);
    expect(s[1]!.f1).toBeCloseTo(4 / 7, 15);
    // class 2: never predicted → precision 0, recall 0
    expect(s[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    const macro = macroAverage(s);
    expect(macro.precision).toBeCloseTo(1 / 3, 15);
    expect(macro.f1).toBeCloseTo((0.5 + 4 / 7) / 3, 15);
  });
});
