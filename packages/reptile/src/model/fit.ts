import { fail, type TypedArray } from '@reptile/core';
import { deriveSeed } from '@reptile/layers';
import { fuseOutput, Loss, type LossSpec } from '../api/loss.ts';
import { Optimizer, type OptimizerSpec } from '../api/optimizer.ts';
import type { Dataset } from '../data/dataset.ts';
import { normalizerFromJSON } from '../data/normalize.ts';
import type { TrainProgram, TrainSession } from '../frontend/frontend.ts';
import { writeHistoryPlot } from '../plot/history-plot.ts';
import type { Callback, TrainingControl } from './callbacks.ts';
import { checkMetric, computeMetrics, datasetLoss } from './evaluation.ts';
import { type EpochLogs, History } from './history.ts';
import { argMaxRows, predictedClasses } from './metrics.ts';
import type { Model } from './model.ts';
import { Progress, type ProgressOutput, type Verbosity } from './progress.ts';

/**
 * The default mini-batch size, chosen by measurement on the founding example (README, "Why
 * the default batch size is 2"): with plain SGD at lr 0.01 (ZooKeeper on one process), smaller
 * batches take more steps per epoch and generalise better (Masters & Luschi 2018).
 */
export const DEFAULT_BATCH_SIZE = 2;

/** Options of `model.fit`; all optional, and each default is given below. */
export interface FitOptions {
  /** Default: CrossEntropy for class labels, MSE for regression targets. */
  readonly criterion?: LossSpec;
  /** Default: Adam with its defaults. */
  readonly optimizer?: OptimizerSpec;
  /** Passes over the training data; a positive integer, default 1. */
  readonly epochs?: number;
  /** Rows per training step; a positive integer, default DEFAULT_BATCH_SIZE (2). */
  readonly batchSize?: number;
  /** Labelled data scored after every epoch; its loss and metrics are logged as val_loss, val_accuracy. */
  readonly validationData?: Dataset;
  /**
   * Holds out this fraction (between 0 and 1) of the training data (stratified, seeded) for
   * validation. Not together with validationData.
   */
  readonly validationSplit?: number;
  /** Default ['accuracy'] for classification. Also 'top5' (any k), 'precision', 'recall', 'f1', 'mae', 'mse'. */
  readonly metrics?: readonly string[];
  /** Hooks run during training, in this order (see Callback). */
  readonly callbacks?: readonly Callback[];
  /** 'auto' (default): a progress bar in a terminal, one line per epoch otherwise. */
  readonly verbose?: Verbosity;
  /** Where progress is written. Default process.stdout. */
  readonly output?: ProgressOutput;
  /** Reshuffle the training data every epoch (default true; seeded). */
  readonly shuffle?: boolean;
  /** Seeds the validation split, the shuffling and the dropout noise. Default: the model's seed. */
  readonly seed?: number;
  /** Writes the training-history plot (SVG) here after every epoch. */
  readonly plot?: string;
}

interface Checkpoint {
  readonly format: 'reptile.checkpoint';
  readonly version: 1;
  readonly epoch: number;
  readonly frontend: string;
  readonly model: Record<string, unknown>;
  readonly weights: unknown;
  readonly session: unknown;
  readonly history: unknown;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    fail(`${value} is not a positive integer`, { where: `fit options.${name}` });
  return value;
}

export async function runFit(model: Model, data: Dataset, options: FitOptions): Promise<History> {
  const epochs = positiveInt(options.epochs ?? 1, 'epochs');
  const batchSize = positiveInt(options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize');
  if (!data.labels)
    fail('fit needs labelled data', { where: data.source, hint: 'load the file with its label column' });
  const seed = options.seed ?? model.seed;
  let train = data;
  let validation = options.validationData;
  if (options.validationSplit !== undefined) {
    if (validation) fail('give validationData or validationSplit, not both', { where: 'fit options' });
    ({ train, validation } = data.split(options.validationSplit, { seed }));
  }
  model.buildFor(train);
  const width = model.network.outputShape.reduce((a, b) => a * b, 1);
  if (train.task === 'classification' && width > 1 && width < train.classes)
    fail(`the model outputs ${width} values but the data has ${train.classes} classes`, {
      where: train.source,
      hint: `end the model with layers.Dense(${train.classes}, { activation: 'softmax' })`,
    });
  const criterion = options.criterion ?? (train.task === 'classification' ? Loss.CrossEntropy() : Loss.MSE());
  const { loss, logits } = fuseOutput(criterion.config, model.network.outputActivation);
  model.criterion = criterion.config;
  const metrics = options.metrics ?? (train.task === 'classification' ? ['accuracy'] : []);
  for (const m of metrics) checkMetric(m, train.task);
  const optimizer = options.optimizer ?? Optimizer.Adam();
  const program: TrainProgram = {
    params: model.params,
    inputShape: model.network.inputShape,
    forward: model.forward(logits),
    loss,
    optimizer: optimizer.config,
    regularizers: model.network.weights.flatMap((w) =>
      w.regularizer ? [{ regularizer: w.regularizer, params: [w.path] }] : [],
    ),
    seed: deriveSeed(seed, 'noise'),
  };
  const callbacks = options.callbacks ?? [];
  let resumed: Checkpoint | undefined;
  for (const cb of callbacks) resumed ??= (await cb.resumeState?.()) as Checkpoint | undefined;
  if (resumed) restore(model, resumed);
  const frontend = await model.frontendImpl();
  const session = await frontend.train(program, model.weightValues!, resumed?.session);
  const history = resumed ? History.fromJSON(resumed.history, 'checkpoint history') : new History();
  const stepsPerEpoch = Math.ceil(train.size / batchSize);
  const progress = new Progress(
    options.verbose ?? 'auto',
    options.output ?? process.stdout,
    epochs,
    stepsPerEpoch,
  );
  let stopped = false;
  let finalWeights: TypedArray[] | undefined;
  let lastEpoch = resumed?.epoch ?? 0;
  const control: TrainingControl = {
    epochs,
    history,
    stop: () => {
      stopped = true;
    },
    learningRate: () => session.learningRate(),
    setLearningRate: (lr) => session.setLearningRate(lr),
    getWeights: () => session.weights(),
    setWeights: (w) => {
      finalWeights = [...w];
    },
    checkpoint: async (): Promise<Checkpoint> => ({
      format: 'reptile.checkpoint',
      version: 1,
      epoch: lastEpoch,
      frontend: frontend.name,
      model: model.getConfig(),
      weights: model.getWeights(),
      session: session.exportState(),
      history: history.toJSON(),
    }),
  };
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.(control);
    for (let epoch = lastEpoch + 1; epoch <= epochs && !stopped; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, control);
      const lr = session.learningRate();
      progress.epochStart();
      const started = performance.now();
      const running = await trainEpoch(
        session,
        train,
        batchSize,
        options.shuffle ?? true,
        deriveSeed(seed, `epoch:${epoch}`),
        width,
        logits,
        (step, size, logs) =>
          progress.step(epoch, step, size, metrics.includes('accuracy') ? logs : { loss: logs.loss! }),
      );
      model.weightValues = await session.weights();
      const logs: Record<string, number> = { loss: running.loss };
      if (metrics.includes('accuracy') && running.accuracy !== undefined) logs.accuracy = running.accuracy;
      if (validation) {
        const outputs = await model.outputs(validation, logits);
        logs.val_loss = datasetLoss(loss, outputs, validation);
        for (const [k, v] of Object.entries(computeMetrics(metrics, outputs, validation)))
          logs[`val_${k}`] = v;
      }
      logs.lr = lr;
      logs.seconds = (performance.now() - started) / 1000;
      const entry: EpochLogs = { epoch, ...logs };
      history.epochs.push(entry);
      lastEpoch = epoch;
      progress.epochEnd(epoch, entry);
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, entry, control);
      if (options.plot) await writeHistoryPlot(history, options.plot);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(control);
  } finally {
    session.dispose();
  }
  if (finalWeights) model.weightValues = finalWeights;
  return history;
}

async function trainEpoch(
  session: TrainSession,
  data: Dataset,
  batchSize: number,
  shuffle: boolean,
  seed: number,
  width: number,
  logits: boolean,
  report: (step: number, size: number, logs: Record<string, number>) => void,
): Promise<{ loss: number; accuracy: number | undefined }> {
  let lossSum = 0;
  let seen = 0;
  let correct = 0;
  let step = 0;
  const classification = data.task === 'classification';
  for (const batch of data.batches(batchSize, { shuffle, seed })) {
    const out = await session.step({ x: batch.x, xShape: batch.xShape, y: batch.y!, yShape: batch.yShape });
    lossSum += out.loss * batch.size;
    seen += batch.size;
    step++;
    if (classification && out.output) {
      const predicted = predictedClasses(out.output, width, logits);
      const truth =
        batch.y instanceof Int32Array ? batch.y : argMaxRows(batch.y as Float32Array, data.classes);
      for (let i = 0; i < batch.size; i++) if (predicted[i] === truth[i]) correct++;
    }
    report(
      step,
      batch.size,
      classification ? { loss: lossSum / seen, accuracy: correct / seen } : { loss: lossSum / seen },
    );
  }
  return { loss: lossSum / seen, accuracy: classification ? correct / seen : undefined };
}

function restore(model: Model, checkpoint: Checkpoint): void {
  if (checkpoint?.format !== 'reptile.checkpoint' || checkpoint.version !== 1)
    fail("is not a checkpoint (format 'reptile.checkpoint', version 1)", { where: 'resume' });
  const saved = JSON.stringify((checkpoint.model as { network?: unknown }).network);
  if (saved !== JSON.stringify(model.getConfig().network))
    fail('the checkpoint holds a different model', {
      where: 'resume',
      hint: 'resume with the same layers, or delete the checkpoint to start fresh',
    });
  if (checkpoint.frontend !== model.frontend)
    fail(
      `the checkpoint was written by frontend '${checkpoint.frontend}', this model runs on '${model.frontend}'`,
      {
        where: 'resume',
      },
    );
  model.normalizer = normalizerFromJSON(checkpoint.model.normalizer, 'checkpoint normalizer');
  model.setWeights(checkpoint.weights);
}
