/**
 * docs/guide-deploy-onnx.md, runnable:
 *   pnpm exec tsx packages/reptile/src/guides/deploy-onnx.ts [--epochs 3] [--dir DIR]
 * Trains a digit classifier on the demo's MNIST CSVs, saves it, exports model.onnx, and checks
 * that onnxruntime's predictions on the held-out rows equal the model's own.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Data } from '../data/data.ts';
import { layers, Model, Optimizer, predictWithOnnx } from '../index.ts';
import { dirFlag, ensureMnistCsv, flag } from './guide-data.ts';

export interface DeployResult {
  readonly modelPath: string;
  readonly testAccuracy: number;
  readonly onnxAccuracy: number;
  /** Largest |onnxruntime − model.predict| over every probability of every test row. */
  readonly maxAbsDiff: number;
  readonly rows: number;
}

export async function deployOnnxGuide(
  options: { dir?: string; perClass?: number; epochs?: number; log?: (s: string) => void } = {},
): Promise<DeployResult> {
  const log = options.log ?? console.log;
  const dir = options.dir ?? join(tmpdir(), 'reptile-guide-onnx');
  const files = await ensureMnistCsv(dir, options.perClass);
  const train = await Data.fromFile(files.train);
  const test = await Data.fromFile(files.test);

  const model = new Model({ seed: 1 });
  model.add(layers.Dense(64, { activation: 'relu' }));
  model.add(layers.Dense(10, { activation: 'softmax' }));
  await model.fit(train, {
    optimizer: Optimizer.Adam({ lr: 0.001 }),
    epochs: options.epochs ?? 3,
    verbose: 'quiet',
  });
  const testAccuracy = await model.evaluate(test);
  await model.save(join(dir, 'saved'));
  const modelPath = join(dir, 'model.onnx');
  // The exported graph includes the training data's normalisation: it takes raw CSV features.
  await model.export(modelPath);

  const onnx = await predictWithOnnx(modelPath, files.test);
  const mine = await model.predict(test);
  let maxAbsDiff = 0;
  for (let i = 0; i < mine.values.length; i++)
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(onnx.values[i]! - mine.values[i]!));
  log(`test accuracy ${testAccuracy.toFixed(4)}; wrote ${join(dir, 'saved')} and ${modelPath}`);
  log(
    `onnxruntime: accuracy ${onnx.accuracy!.toFixed(4)} on ${onnx.rows.length} rows, ` +
      `max |onnxruntime − model.predict| ${maxAbsDiff.toExponential(1)}`,
  );
  return { modelPath, testAccuracy, onnxAccuracy: onnx.accuracy!, maxAbsDiff, rows: onnx.rows.length };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await deployOnnxGuide({ ...dirFlag(), epochs: flag('epochs', 3) });
}
