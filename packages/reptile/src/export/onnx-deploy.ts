import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '@reptile/core';
import type { Dataset } from '../data/dataset.ts';
import { predictedClasses } from '../model/metrics.ts';
import type { Model } from '../model/model.ts';
import { exportOnnx } from './onnx-export.ts';
import { loadOnnxModel, runOnnxModel } from './onnx-run.ts';

/** Largest |onnxruntime − model.predict| accepted: float32 kernels differ in the last bits only. */
export const ONNX_DEPLOY_TOLERANCE = 1e-5;

/**
 * The outcome of a successful `onnxDeploy`: the exported file and how closely onnxruntime
 * reproduced `model.predict` (a failed check throws instead, so a returned check always has
 * `maxAbsDiff` ≤ ONNX_DEPLOY_TOLERANCE and no arg-max mismatches).
 */
export interface OnnxCheck {
  /** The exported model file, `model.onnx` in the given directory. */
  readonly path: string;
  /** Test rows compared. */
  readonly rows: number;
  /**
   * Largest absolute difference between an onnxruntime output and model.predict's (a NaN
   * counts as infinite).
   */
  readonly maxAbsDiff: number;
  /** Rows whose arg-max class differs between onnxruntime and model.predict. */
  readonly argmaxMismatches: number;
}

/**
 * Exports `model.onnx` into `dir`, runs it with onnxruntime-node on `testData` and compares with
 * `model.predict`: every output within ONNX_DEPLOY_TOLERANCE and the same arg-max class per row,
 * else it throws. Matches runDemo's `deploy` signature (and is its default).
 */
export async function onnxDeploy(
  model: Model,
  testData: Dataset,
  dir: string,
  say: (line: string) => void = () => {},
): Promise<OnnxCheck> {
  const path = join(dir, 'model.onnx');
  await exportOnnx(model, path);
  const expected = await model.predict(testData);
  const onnx = await loadOnnxModel(path);
  let actual: Float32Array;
  try {
    actual = (await runOnnxModel(onnx, testData.features, testData.size)).values;
  } finally {
    await onnx.session.release();
  }
  const width = expected.values.length / Math.max(testData.size, 1);
  let maxAbsDiff = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected.values[i]!);
    // NaN compares false everywhere, so it counts as an infinite difference
    maxAbsDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbsDiff, d);
  }
  const want = expected.classes ?? predictedClasses(expected.values, width);
  const got = predictedClasses(actual, width);
  let argmaxMismatches = 0;
  for (let r = 0; r < testData.size; r++) if (want[r] !== got[r]) argmaxMismatches++;
  const kb = (statSync(path).size / 1024).toFixed(1);
  say(`Exported ${path} (${kb} KB)`);
  const verdict = `max |Δ| = ${maxAbsDiff.toExponential(2)}, arg-max differs on ${argmaxMismatches} rows`;
  if (maxAbsDiff > ONNX_DEPLOY_TOLERANCE || argmaxMismatches > 0)
    fail(`onnxruntime's predictions on ${testData.size} test rows disagree with model.predict: ${verdict}`, {
      where: path,
      hint: `outputs must agree within ${ONNX_DEPLOY_TOLERANCE} with identical arg-max; report this as an ONNX lowering bug`,
    });
  say(
    `onnxruntime matches model.predict on ${testData.size} test rows (${verdict}, tolerance ${ONNX_DEPLOY_TOLERANCE})`,
  );
  return { path, rows: testData.size, maxAbsDiff, argmaxMismatches };
}
