import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layers } from '../api/layers.ts';
import { Loss } from '../api/loss.ts';
import { Optimizer } from '../api/optimizer.ts';
import { Data } from '../data/data.ts';
import { Model } from '../model/model.ts';
import { defaultFrontend } from './default.ts';

/** Three classes separable by two parallel lines: which band a + b falls in. */
function writeCsv(path: string, rows: number, offset: number): void {
  const lines = ['a,b,c,label'];
  for (let r = 0; r < rows; r++) {
    const a = Math.sin((r + offset) * 1.7);
    const b = Math.cos((r + offset) * 0.9);
    const c = Math.sin((r + offset) * 0.3);
    const s = a + b;
    lines.push(`${a},${b},${c},${s < -0.5 ? 0 : s < 0.5 ? 1 : 2}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe("the founding example's API on the 'onnx' frontend", () => {
  it('fits and evaluates a small CSV exactly as the reference frontend does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-onnx-frontend-'));
    writeCsv(join(dir, 'train_data.csv'), 150, 0);
    writeCsv(join(dir, 'test_data.csv'), 60, 1000);
    const run = async (frontend: string) => {
      const trainData = await Data.fromFile(join(dir, 'train_data.csv'));
      const testData = await Data.fromFile(join(dir, 'test_data.csv'));
      const model = new Model({ frontend });
      model.add(layers.Dense(128, { activation: 'relu' }));
      model.add(layers.Dense(64, { activation: 'relu' }));
      model.add(layers.Dense(10, { activation: 'softmax' }));
      const criterion = Loss.CrossEntropy();
      const optimizer = Optimizer.ZooKeeper({ lr: 0.01 });
      const history = await model.fit(trainData, { criterion, optimizer, epochs: 5, verbose: 'quiet' });
      return { history, accuracy: await model.evaluate(testData), frontend: model.frontend };
    };
    const onnx = await run('onnx');
    const reference = await run('reference');
    expect(onnx.frontend).toBe('onnx');
    expect(onnx.history.epochs).toHaveLength(5);
    onnx.history.epochs.forEach((e, i) => {
      expect(e.loss!).toBeCloseTo(reference.history.epochs[i]!.loss!, 4);
    });
    // Chance is 1/3; the classes are separable by a line the first layer can draw.
    expect(onnx.accuracy).toBeGreaterThan(0.85);
    expect(Math.abs(onnx.accuracy - reference.accuracy)).toBeLessThanOrEqual(1 / 60);
  }, 120_000);

  it('is the default frontend (chosen by measure.ts)', () => {
    expect(defaultFrontend()).toBe('onnx');
    expect(new Model().frontend).toBe('onnx');
  });
});
