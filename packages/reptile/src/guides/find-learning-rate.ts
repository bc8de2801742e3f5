/**
 * docs/guide-learning-rate.md, runnable:
 *   pnpm exec tsx packages/reptile/src/guides/find-learning-rate.ts [--epochs 2] [--dir DIR]
 * Runs the learning-rate range test on MNIST digits, writes lr-finder.svg, then trains with the
 * suggested learning rate, with the one at the lowest loss, and with one 100× too small, and
 * prints the three test accuracies.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Data } from '../data/data.ts';
import { layers, Model, Optimizer } from '../index.ts';
import { dirFlag, ensureMnistCsv, flag } from './guide-data.ts';

function mlp(): Model {
  const model = new Model({ seed: 1 });
  model.add(layers.Dense(128, { activation: 'relu' }));
  model.add(layers.Dense(10, { activation: 'softmax' }));
  return model;
}

export async function learningRateGuide(
  options: { dir?: string; perClass?: number; epochs?: number; log?: (s: string) => void } = {},
) {
  const log = options.log ?? console.log;
  const dir = options.dir ?? join(tmpdir(), 'reptile-guide-lr');
  const files = await ensureMnistCsv(dir, options.perClass);
  const train = await Data.fromFile(files.train);
  const test = await Data.fromFile(files.test);

  const finder = await mlp().findLearningRate(train, {
    optimizer: Optimizer.SGD(),
    batchSize: 32,
    steps: 100,
    plot: `${dir}/lr-finder.svg`,
  });
  log(
    `lowest loss at lr ${finder.minLossLr.toPrecision(2)}; suggested lr ${finder.suggestedLr.toPrecision(2)}`,
  );
  log(`wrote ${dir}/lr-finder.svg`);

  const results: Record<string, number> = {};
  for (const [label, lr] of [
    ['suggested', finder.suggestedLr],
    ['at the lowest loss', finder.minLossLr],
    ['100x smaller', finder.suggestedLr / 100],
  ] as const) {
    const model = mlp();
    await model.fit(train, {
      optimizer: Optimizer.SGD({ lr }),
      epochs: options.epochs ?? 2,
      batchSize: 32,
      verbose: 'quiet',
    });
    results[label] = await model.evaluate(test);
    log(`lr ${lr.toPrecision(2)} (${label}): test accuracy ${results[label]!.toFixed(4)}`);
  }
  return { finder, results };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await learningRateGuide({ epochs: flag('epochs', 2), ...dirFlag() });
}
