import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers } from '../api/layers.ts';
import { Data } from '../data/data.ts';
import { Model } from '../model/model.ts';
import { onnxDeploy } from './onnx-deploy.ts';
import { exportOnnx } from './onnx-export.ts';
import { predictWithOnnx } from './predict-onnx.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-onnx-predict-'));

/**
 * One Dense(2, softmax) layer whose weights make the classes readable by hand: logits
 * z = [x0 − x1, x1 − x0] after normalisation mean 0, std 1, so p1 = sigmoid(2·(x1 − x0)).
 */
async function handModel(): Promise<Model> {
  const model = new Model().add(layers.Dense(2, { activation: 'softmax' }));
  model.build([2], { method: 'standardize', mean: [0], std: [1] });
  model.weightValues = [Float32Array.of(1, -1, -1, 1), Float32Array.of(0, 0)];
  return model;
}
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('predictWithOnnx', () => {
  const path = join(dir, 'hand.onnx');
  beforeAll(async () => exportOnnx(await handModel(), path, { batchSize: 2 }));

  it('predicts a labelled CSV (label column ignored for inputs, used for accuracy)', async () => {
    const csv = join(dir, 'labelled.csv');
    writeFileSync(csv, 'a,b,label\n1,0,0\n0,2,1\n3,3.5,0\n');
    const p = await predictWithOnnx(path, csv);
    expect(p.shape).toEqual([3, 2]);
    expect(Array.from(p.classes)).toEqual([0, 1, 1]);
    expect(p.rows.map((r) => r.class)).toEqual([0, 1, 1]);
    [-1, 2, 0.5].forEach((d, i) => {
      expect(p.rows[i]!.probabilities[1]).toBeCloseTo(sigmoid(2 * d), 6);
      expect(p.rows[i]!.probabilities[0]).toBeCloseTo(sigmoid(-2 * d), 6);
    });
    expect(p.accuracy).toBeCloseTo(2 / 3, 12);
  });

  it('reads a CSV without a label column (features only)', async () => {
    const csv = join(dir, 'features.csv');
    writeFileSync(csv, '1,0\n0,2\n');
    const p = await predictWithOnnx(path, csv);
    expect(Array.from(p.classes)).toEqual([0, 1]);
    expect(p.rows[1]!.probabilities[1]).toBeCloseTo(sigmoid(4), 6);
    expect(p.accuracy).toBeUndefined();
  });

  it('names the problem for a missing file, a wrong extension, a non-model and a width mismatch', async () => {
    const csv = join(dir, 'features.csv');
    await expect(predictWithOnnx(join(dir, 'nope.onnx'), csv)).rejects.toThrow(/no such model file/);
    await expect(predictWithOnnx(join(dir, 'model.pt'), csv)).rejects.toThrow(
      /expected an \.onnx model file/,
    );
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not a model');
    await expect(predictWithOnnx(junk, csv)).rejects.toThrow(/onnxruntime could not load/);
    const wide = join(dir, 'wide.csv');
    writeFileSync(wide, '1,2,3,4,5\n');
    await expect(predictWithOnnx(path, wide)).rejects.toThrow(/model takes 2/);
  });
});

describe('onnxDeploy (the demo deploy step)', () => {
  it('exports model.onnx and reports agreement with model.predict', async () => {
    const model = new Model({ seed: 2 })
      .add(layers.Dense(6, { activation: 'relu' }))
      .add(layers.Dense(3, { activation: 'softmax' }));
    model.build([4], { method: 'standardize', mean: [1], std: [2] });
    const test = Data.fromArrays(
      [
        [0, 1, 2, 3],
        [4, -2, 0, 1],
        [9, 9, -9, 0.25],
      ],
      [0, 1, 2],
    );
    const lines: string[] = [];
    const check = await onnxDeploy(model, test, dir, (l) => lines.push(l));
    expect(check.path).toBe(join(dir, 'model.onnx'));
    expect(check.rows).toBe(3);
    expect(check.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(check.argmaxMismatches).toBe(0);
    expect(lines.join('\n')).toMatch(/onnxruntime matches model\.predict on 3 test rows/);
  });
});
