import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openModel, runNatively } from '@reptile/convert';
import { Tensor } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Data, Loss, layers, Model, Optimizer } from '../index.ts';

/**
 * model.export to the layer formats: the file, run by its own runtime (stock PyTorch's
 * torch.jit.load; tfjs-layers' loadLayersModel), must predict what `model.predict` does,
 * input normalisation included.
 */
let model: Model;
let x: Tensor;
let expected: Float32Array;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reptile-export-'));
  const rows = ['a,b,c,label'];
  for (let i = 0; i < 60; i++) {
    const a = (i % 7) * 3 + 10;
    const b = ((i * 5) % 11) - 40;
    const c = (i % 3) * 0.01;
    rows.push(`${a},${b},${c},${(a + b > -20 ? 1 : 0) + (i % 3 === 0 ? 1 : 0)}`);
  }
  writeFileSync(join(dir, 'train.csv'), `${rows.join('\n')}\n`);
  const data = await Data.fromFile(join(dir, 'train.csv'));
  model = new Model({ frontend: 'reference', seed: 3 });
  model.add(layers.Dense(8, { activation: 'relu' }));
  model.add(layers.Dense(3, { activation: 'softmax' }));
  await model.fit(data, {
    criterion: Loss.CrossEntropy(),
    optimizer: Optimizer.Adam({ lr: 0.05 }),
    epochs: 3,
    verbose: 'quiet',
  });
  writeFileSync(join(dir, 'test.csv'), 'a,b,c,label\n10,-40,0,0\n28,-30,0.02,1\n19,-35,0.01,2\n');
  const test = await Data.fromFile(join(dir, 'test.csv'));
  x = Tensor.fromData(test.features, [test.size, ...test.featureShape]);
  expected = (await model.predict(test)).values;
}, 120_000);

describe('model.export to layer formats', () => {
  it.each([
    ['model.pt', 'torchscript'],
    ['tfjs', 'tfjs'],
  ] as const)(
    '%s, run by its own runtime, predicts what model.predict does',
    async (file, format) => {
      const path = join(mkdtempSync(join(tmpdir(), 'reptile-export-')), file);
      await model.export(path);
      const opened = await openModel(path, format);
      const [out] = await runNatively(path, format, opened.inputs, [x]);
      const got = out!.data() as Float32Array;
      expect(got.length).toBe(expected.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-5);
    },
    120_000,
  );
});
