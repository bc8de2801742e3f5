/**
 * docs/guide-overfitting.md, runnable:
 *   pnpm exec tsx packages/reptile/src/guides/fight-overfitting.ts [--per-class 100] [--epochs 30] [--dir DIR]
 * Trains a wide MLP on few digits three ways — plainly, with early stopping, and with Dropout +
 * an L2 penalty + early stopping — and prints each one's train/validation gap and its test
 * accuracy and loss.
 * Writes one training-history plot per run.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Data } from '../data/data.ts';
import { callbacks, type History, layers, Model, Optimizer, Regularizer } from '../index.ts';
import { dirFlag, ensureMnistCsv, flag } from './guide-data.ts';

interface Variant {
  readonly name: string;
  readonly file: string;
  readonly dropout: number;
  readonly l2: number;
  readonly earlyStopping: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'plain', file: 'plain.svg', dropout: 0, l2: 0, earlyStopping: false },
  { name: 'early stopping', file: 'early-stopping.svg', dropout: 0, l2: 0, earlyStopping: true },
  {
    name: 'dropout + L2 + early stopping',
    file: 'regularised.svg',
    dropout: 0.2,
    l2: 1e-4,
    earlyStopping: true,
  },
];

function wideMlp(v: Variant): Model {
  const model = new Model({ seed: 1 });
  for (let i = 0; i < 2; i++) {
    model.add(
      layers.Dense(256, {
        activation: 'relu',
        ...(v.l2 > 0 ? { kernelRegularizer: Regularizer.L2(v.l2) } : {}),
      }),
    );
    if (v.dropout > 0) model.add(layers.Dropout(v.dropout));
  }
  model.add(layers.Dense(10, { activation: 'softmax' }));
  return model;
}

export interface OverfittingRun {
  readonly name: string;
  readonly history: History;
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly stoppedEpoch: number | undefined;
  readonly bestEpoch: number | undefined;
}

export async function overfittingGuide(
  options: { dir?: string; perClass?: number; epochs?: number; log?: (s: string) => void } = {},
): Promise<OverfittingRun[]> {
  const log = options.log ?? console.log;
  const dir = options.dir ?? join(tmpdir(), 'reptile-guide-overfitting');
  // Few digits per class make overfitting quick to see.
  const files = await ensureMnistCsv(dir, options.perClass ?? 100);
  const train = await Data.fromFile(files.train);
  const test = await Data.fromFile(files.test);
  const runs: OverfittingRun[] = [];
  for (const v of VARIANTS) {
    const model = wideMlp(v);
    const stopper = v.earlyStopping
      ? callbacks.earlyStopping({ monitor: 'val_loss', patience: 5 })
      : undefined;
    const history = await model.fit(train, {
      optimizer: Optimizer.Adam({ lr: 1e-3 }),
      epochs: options.epochs ?? 30,
      batchSize: 32,
      validationSplit: 0.2,
      verbose: 'quiet',
      plot: join(dir, v.file),
      ...(stopper ? { callbacks: [stopper] } : {}),
    });
    const report = await model.evaluate(test, { report: true });
    const best = stopper?.bestEpoch ?? history.epochs.length;
    const at = history.epochs[best - 1]!;
    log(
      `${v.name.padEnd(30)} epochs ${String(history.epochs.length).padStart(2)}  weights of epoch ${String(best).padStart(2)}: ` +
        `train acc ${at.accuracy!.toFixed(3)}  val acc ${at.val_accuracy!.toFixed(3)}  val loss ${at.val_loss!.toFixed(3)}  ` +
        `test acc ${report.accuracy.toFixed(3)}  test loss ${report.loss.toFixed(3)}`,
    );
    runs.push({
      name: v.name,
      history,
      testAccuracy: report.accuracy,
      testLoss: report.loss,
      stoppedEpoch: stopper?.stoppedEpoch,
      bestEpoch: stopper?.bestEpoch,
    });
  }
  log(`wrote ${VARIANTS.map((v) => join(dir, v.file)).join(', ')}`);
  return runs;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await overfittingGuide({ perClass: flag('per-class', 100), epochs: flag('epochs', 30), ...dirFlag() });
}
