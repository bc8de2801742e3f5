import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The adapter's own checker helper (python3 + onnx 1.23.2), reused rather than copied.
import { checkWithOnnx } from '../../../../adapters/onnx/src/testing/onnx-checker.ts';
import { layers } from '../api/layers.ts';
import { Data } from '../data/data.ts';
import { Model } from '../model/model.ts';
import './register.ts';
import { exportOnnx } from './onnx-export.ts';
import { loadOnnxModel, runOnnxModel } from './onnx-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-onnx-export-'));
const ROWS = [
  [0, 1, 2],
  [3, -1, 0.5],
  [7, 2, -4],
  [-2, 5, 1],
  [1, 1, 1],
];
const normalizer = { method: 'standardize' as const, mean: [2], std: [4] };

async function onnxOutputs(path: string, rows: readonly (readonly number[])[]): Promise<Float32Array> {
  const model = await loadOnnxModel(path);
  try {
    return (await runOnnxModel(model, Float32Array.from(rows.flat()), rows.length)).values;
  } finally {
    await model.session.release();
  }
}

describe('ONNX export of a reptile Model', () => {
  it('is softmax(W·(x − mean)/std + b) with the trained weights, computed by hand in float64', async () => {
    const model = new Model({ seed: 3 }).add(layers.Dense(2, { activation: 'softmax' }));
    model.build([3], normalizer);
    const [kernel, bias] = model.weightValues!; // kernel [3, 2] row-major, bias [2]
    const path = join(dir, 'linear.onnx');
    await model.export(path);
    const got = await onnxOutputs(path, ROWS);
    ROWS.forEach((row, r) => {
      const z = [0, 1].map(
        (j) => bias![j]! + row.reduce((s, v, i) => s + ((v - 2) / 4) * kernel![i * 2 + j]!, 0),
      );
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const p = e.map((v) => v / (e[0]! + e[1]!));
      expect(got[r * 2]).toBeCloseTo(p[0]!, 6);
      expect(got[r * 2 + 1]).toBeCloseTo(p[1]!, 6);
      expect(got[r * 2]! + got[r * 2 + 1]!).toBeCloseTo(1, 6);
    });
  });

  it('gives model.predict within 1e-5 (two layers, fixed batch 2 with a padded last chunk)', async () => {
    const model = new Model({ seed: 1 })
      .add(layers.Dense(8, { activation: 'relu' }))
      .add(layers.Dropout(0.5))
      .add(layers.Dense(3, { activation: 'softmax' }));
    model.build([3], normalizer);
    const path = join(dir, 'mlp.onnx');
    await exportOnnx(model, path, { batchSize: 2 });
    const loaded = await loadOnnxModel(path);
    expect(loaded.inputShape).toEqual([2, 3]);
    await loaded.session.release();
    const expected = await model.predict(Data.fromArrays(ROWS));
    const got = await onnxOutputs(path, ROWS);
    expect(got).toHaveLength(ROWS.length * 3);
    const maxDiff = got.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.values[i]!)), 0);
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
    expect(Array.from(got).every(Number.isFinite)).toBe(true);
    // passes the official checker (full_check runs shape inference too)
    expect(checkWithOnnx([path])).toContain(`ok ${path}`);
  }, 60_000);

  it('refuses unknown extensions, unbuilt models and bad batch sizes, writing nothing', async () => {
    const model = new Model().add(layers.Dense(2, { activation: 'softmax' }));
    await expect(model.export(join(dir, 'm.onnx'))).rejects.toThrow(/no weights yet/);
    model.build([3]);
    await expect(model.export(join(dir, 'model.xyz'))).rejects.toThrow(/export format from '\.xyz'.*\.onnx/s);
    await expect(exportOnnx(model, join(dir, 'model.bin'))).rejects.toThrow(/must end in \.onnx/);
    await expect(exportOnnx(model, join(dir, 'b.onnx'), { batchSize: 0 })).rejects.toThrow(/batchSize 0/);
    await expect(model.export(join(dir, 'missing', 'model.onnx'))).rejects.toThrow(/could not write/);
    expect(readdirSync(dir).filter((f) => /^(m|b|model)\./.test(f) || f.endsWith('.tmp'))).toEqual([]);
  });
});
