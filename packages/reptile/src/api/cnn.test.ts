import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Data, Loss, layers, Model, Optimizer } from '../index.ts';

/**
 * The Keras-style API with the models issue's layers: CSV rows reshaped to images, Conv2D,
 * BatchNormalization, pooling, Dense — trained on the reference and the default (ONNX) frontends.
 * Task: 4×4 images holding one vertical (class 0) or one horizontal (class 1) bar of 1s over noise.
 */
function rows(n: number, seed: number): string {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out = [`${Array.from({ length: 16 }, (_, i) => `p${i}`).join(',')},label`];
  for (let r = 0; r < n; r++) {
    const label = r % 2;
    const line = Math.floor(next() * 4);
    const pixels = Array.from({ length: 16 }, (_, i) => {
      const [y, x] = [Math.floor(i / 4), i % 4];
      const on = label === 0 ? x === line : y === line;
      return (on ? 1 : 0) + (next() - 0.5) * 0.2;
    });
    out.push(`${pixels.map((p) => p.toFixed(4)).join(',')},${label}`);
  }
  return `${out.join('\n')}\n`;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'reptile-cnn-'));
  writeFileSync(join(dir, 'train.csv'), rows(160, 1));
  writeFileSync(join(dir, 'test.csv'), rows(60, 2));
});

describe('a CNN with the Keras-style API', () => {
  it.each(['reference', 'onnx'])(
    'trains on the %s frontend to ≥ 0.95 test accuracy',
    async (frontend) => {
      const train = await Data.fromFile(join(dir, 'train.csv'));
      const test = await Data.fromFile(join(dir, 'test.csv'));
      const model = new Model({ frontend, seed: 2 });
      model.add(layers.Reshape([4, 4, 1]));
      model.add(layers.Conv2D(4, 3, { padding: 'same', activation: 'relu' }));
      model.add(layers.BatchNormalization());
      model.add(layers.MaxPool2D({ poolSize: 2 }));
      model.add(layers.Flatten());
      model.add(layers.Dense(2, { activation: 'softmax' }));
      await model.fit(train, {
        criterion: Loss.CrossEntropy(),
        optimizer: Optimizer.Adam({ lr: 0.02 }),
        epochs: 8,
        batchSize: 8,
        verbose: 'quiet',
      });
      const accuracy = await model.evaluate(test);
      expect(accuracy).toBeGreaterThanOrEqual(0.95);
      // BatchNorm's moving statistics were updated by training (initial: mean 0, variance 1).
      const index = model.network.weights.findIndex((w) => w.path.endsWith('/movingMean'));
      expect(Array.from(model.weightValues![index]!).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    },
    120_000,
  );
});
