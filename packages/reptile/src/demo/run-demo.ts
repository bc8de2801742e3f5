import { join } from 'node:path';
import { layers } from '../api/layers.ts';
import { Loss } from '../api/loss.ts';
import { Optimizer } from '../api/optimizer.ts';
import { Data } from '../data/data.ts';
import type { Dataset } from '../data/dataset.ts';
import { onnxDeploy } from '../export/onnx-deploy.ts';
import { Model } from '../model/model.ts';
import type { ProgressOutput, Verbosity } from '../model/progress.ts';
import { writeHistoryPlot } from '../plot/history-plot.ts';
import { writeMnistCsv } from './mnist-csv.ts';

/** Options of `runDemo` (`reptile demo`); all optional. */
export interface DemoOptions {
  /** Where the CSV files and the plot go (default: the current directory). */
  readonly dir?: string;
  /** Training epochs over the training file. Default 10. */
  readonly epochs?: number;
  /** Digits per class to use (default all 10,000 digits); tests use fewer. */
  readonly perClass?: number;
  /** The frontend to train on, by registered name. Default: `defaultFrontend()`. */
  readonly frontend?: string;
  /** Training progress style (default 'auto'); 'quiet' also silences the demo's own messages. */
  readonly verbose?: Verbosity;
  /** Where progress and messages are written. Default process.stdout. */
  readonly output?: ProgressOutput;
  /**
   * The deployment step, run after the history plot is written. Default `onnxDeploy`: exports
   * `model.onnx` into `dir` and checks onnxruntime's predictions on the test data against
   * `model.predict` (see README, "Export"). `false` skips it.
   */
  readonly deploy?:
    | ((model: Model, testData: Dataset, dir: string, say: (line: string) => void) => Promise<unknown>)
    | false;
}

/** What `runDemo` measured and wrote. */
export interface DemoResult {
  /** Accuracy on the held-out test file: the fraction of digits classified correctly, in [0, 1]. */
  readonly accuracy: number;
  /** Wall-clock seconds for the whole demo: writing the CSVs, training, evaluating, plotting, deploying. */
  readonly seconds: number;
  /** Digits in train_data.csv. */
  readonly trainRows: number;
  /** Digits in test_data.csv. */
  readonly testRows: number;
  /** Path of the training-history plot (history.svg in `dir`). */
  readonly historyPlot: string;
  /** The frontend the model trained on. */
  readonly frontend: string;
}

/**
 * The README's first Quick start: real MNIST digits to CSV, then the founding example exactly
 * as written (only the file paths are joined to `dir`), then the history plot and the time.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const dir = options.dir ?? process.cwd();
  const out = options.output ?? process.stdout;
  const say = (line: string) => {
    if (options.verbose !== 'quiet') out.write(`${line}\n`);
  };
  const started = performance.now();
  const files = await writeMnistCsv({ dir, ...(options.perClass ? { perClass: options.perClass } : {}) });
  say(
    `Wrote ${files.trainRows} training digits to ${files.trainPath} and ${files.testRows} held-out digits to ${files.testPath}`,
  );

  // ---- the founding example ----------------------------------------------------------------------
  const trainData = await Data.fromFile(files.trainPath);
  const testData = await Data.fromFile(files.testPath);
  const model = new Model(options.frontend ? { frontend: options.frontend } : {});
  model.add(layers.Dense(128, { activation: 'relu' }));
  model.add(layers.Dense(64, { activation: 'relu' }));
  model.add(layers.Dense(10, { activation: 'softmax' }));
  const criterion = Loss.CrossEntropy();
  const optimizer = Optimizer.ZooKeeper({ lr: 0.01 });
  say(`Training on the '${model.frontend}' frontend`);
  const history = await model.fit(trainData, {
    criterion,
    optimizer,
    epochs: options.epochs ?? 10,
    verbose: options.verbose ?? 'auto',
    output: out,
  });
  const accuracy = await model.evaluate(testData);
  say(`Test accuracy: ${accuracy}`);
  // -------------------------------------------------------------------------------------------------

  const historyPlot = join(dir, 'history.svg');
  await writeHistoryPlot(history, historyPlot);
  say(`Wrote the training history plot to ${historyPlot}`);
  const deploy = options.deploy ?? onnxDeploy;
  if (deploy) await deploy(model, testData, dir, say);
  const seconds = (performance.now() - started) / 1000;
  say(`Elapsed: ${seconds.toFixed(1)} s`);
  return {
    accuracy,
    seconds,
    trainRows: files.trainRows,
    testRows: files.testRows,
    historyPlot,
    frontend: model.frontend,
  };
}
