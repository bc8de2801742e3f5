import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSystem } from './io/file-system.ts';
import { reptileLoss, reptileMetric } from './loss.ts';
import { optimizerFromRecipe, ReptileOptimizer, reptileOptimizer } from './optimizer.ts';
import { ReptileRegularizer, reptileRegularizer } from './regularizer.ts';
import { sameBits, TEST_BACKENDS, useBackend } from './testing.ts';

/** Existing tfjs-layers code with Reptile parts plugged in: compile, fit, save, load, continue. */
function makeModel(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 8,
        inputShape: [4],
        activation: 'tanh',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
        kernelRegularizer: reptileRegularizer({ name: 'l2', l2: 1e-3 }),
      }),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

function data(seed: number) {
  const x = tf.randomNormal([32, 4], 0, 1, 'float32', seed);
  const labels = tf.tidy(() =>
    tf.argMax(tf.matMul(x, tf.tensor2d([1, 0, -1, 0, 1, 1, -1, 1, 0, 0.5, 0.5, -2], [4, 3])), 1),
  );
  const y = tf.cast(tf.oneHot(labels as tf.Tensor1D, 3), 'float32');
  labels.dispose();
  return { x, y };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reptile-tfjs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(TEST_BACKENDS)('tfjs-layers integration on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('compile + fit train with a Reptile optimizer, loss, regularizer and metric', async () => {
    const model = makeModel();
    model.compile({
      optimizer: reptileOptimizer({ name: 'adam', lr: 0.05 }),
      loss: reptileLoss({ name: 'crossEntropy', fromLogits: true }),
      metrics: [reptileMetric({ name: 'mae' })],
    });
    const { x, y } = data(3);
    const history = await model.fit(x, y, { epochs: 15, batchSize: 8, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! * 0.7);
    expect(history.history.mae).toHaveLength(15);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('fitDataset trains unchanged', async () => {
    const model = makeModel();
    model.compile({
      optimizer: reptileOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.5 }),
      loss: 'meanSquaredError',
    });
    const { x, y } = data(4);
    const ds = tfd.zip({ xs: tfd.array(tf.unstack(x)), ys: tfd.array(tf.unstack(y)) }).batch(8);
    const history = await model.fitDataset(ds as unknown as tfd.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>, {
      epochs: 10,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('save with includeOptimizer, load, continue: the same next steps as an uninterrupted run', async () => {
    const folder = join(dir, `${backend}-resume`);
    const compileArgs = () => ({
      optimizer: reptileOptimizer({
        name: 'adam',
        lr: { name: 'cosine', peak: 0.05, decaySteps: 40, warmupSteps: 3 },
      }),
      loss: reptileLoss({ name: 'crossEntropy', fromLogits: true, labelSmoothing: 0.1 }),
    });
    const original = makeModel();
    original.compile(compileArgs());
    const { x, y } = data(5);
    for (let i = 0; i < 4; i++) await original.trainOnBatch(x, y);
    await original.save(fileSystem(folder), { includeOptimizer: true });

    const loaded = await tfl.loadLayersModel(fileSystem(folder));
    expect(loaded.optimizer).toBeInstanceOf(ReptileOptimizer);
    expect((loaded.optimizer as ReptileOptimizer).iterations).toBe(4);
    const layer = loaded.layers[0] as unknown as { kernelRegularizer: unknown };
    expect(layer.kernelRegularizer).toBeInstanceOf(ReptileRegularizer);
    for (let i = 0; i < 5; i++) {
      const a = (await original.trainOnBatch(x, y)) as number;
      const b = (await loaded.trainOnBatch(x, y)) as number;
      expect(b).toBe(a);
    }
    original.getWeights().forEach((w, i) => {
      expect(sameBits(w.dataSync(), loaded.getWeights()[i]!.dataSync())).toBe(true);
    });
    tf.dispose([x, y]);
    original.dispose();
    loaded.dispose();
  });

  it('accumulate and ema under fit: saved mid-window, loaded, continued bit-identically', async () => {
    const folder = join(dir, `${backend}-accumulate`);
    const recipe = { optimizer: { name: 'adam', lr: 0.05 }, accumulate: 3, ema: { decay: 0.8 } };
    const original = makeModel();
    original.compile({ optimizer: optimizerFromRecipe(recipe), loss: 'meanSquaredError' });
    const { x, y } = data(7);
    await original.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 }); // 4 batches
    const opt = original.optimizer as ReptileOptimizer;
    expect([opt.iterations, opt.accumulated]).toEqual([1, 1]);
    await original.save(fileSystem(folder), { includeOptimizer: true });

    const loaded = await tfl.loadLayersModel(fileSystem(folder));
    const loadedOpt = loaded.optimizer as ReptileOptimizer;
    expect([loadedOpt.iterations, loadedOpt.accumulated]).toEqual([1, 1]);
    for (const m of [original, loaded])
      await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    expect([loadedOpt.iterations, loadedOpt.accumulated]).toEqual([4, 0]); // 12 micro-batches in all
    original.getWeights().forEach((w, i) => {
      expect(sameBits(w.dataSync(), loaded.getWeights()[i]!.dataSync())).toBe(true);
    });
    const [e1, e2] = [opt.emaWeights(), loadedOpt.emaWeights()];
    original.weights.forEach((w, i) => {
      expect(sameBits(e1[w.name]!.dataSync(), e2[loaded.weights[i]!.name]!.dataSync())).toBe(true);
    });

    // Evaluation on the EMA weights, then the trained weights are back.
    const trained = original.getWeights().map((w) => w.dataSync().slice());
    const emaLoss = await opt.withEmaWeights(original, () => {
      original.weights.forEach((w) => {
        expect(sameBits(w.read().dataSync(), e1[w.name]!.dataSync())).toBe(true);
      });
      return (original.evaluate(x, y, { verbose: 0 }) as tf.Scalar).dataSync()[0]!;
    });
    expect(Number.isFinite(emaLoss)).toBe(true);
    original.getWeights().forEach((w, i) => {
      expect(sameBits(w.dataSync(), trained[i]!)).toBe(true);
    });
    tf.dispose([x, y, ...Object.values(e1), ...Object.values(e2)]);
    original.dispose();
    loaded.dispose();
  });

  it('writes Reptile losses into model.json by config; a plain function loss is written as {}', async () => {
    const reptileFolder = join(dir, `${backend}-loss`);
    const plainFolder = join(dir, `${backend}-plain`);
    const model = makeModel();
    model.compile({
      optimizer: 'sgd',
      loss: reptileLoss({ name: 'huber', delta: 0.5 }),
      metrics: [reptileMetric({ name: 'mse' }), 'accuracy'],
    });
    await model.save(fileSystem(reptileFolder), { includeOptimizer: true });
    const saved = JSON.parse(await readFile(join(reptileFolder, 'model.json'), 'utf8'));
    expect(saved.trainingConfig.loss).toBe('reptile:{"name":"huber","delta":0.5,"reduction":"mean"}');
    expect(saved.trainingConfig.metrics).toEqual(['reptile:{"name":"mse","reduction":"mean"}', 'accuracy']);
    const loaded = await tfl.loadLayersModel(fileSystem(reptileFolder));
    const { x, y } = data(6);
    // The reloaded loss is the same Huber: both models start from the same weights.
    expect(model.evaluate(x, y, { verbose: 0 }).toString()).toBe(
      loaded.evaluate(x, y, { verbose: 0 }).toString(),
    );

    const builtIn = makeModel();
    builtIn.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['accuracy'] });
    const config = (
      builtIn as unknown as { getTrainingConfig(): Record<string, unknown> }
    ).getTrainingConfig();
    expect([config.loss, config.metrics]).toEqual(['mean_squared_error', ['accuracy']]); // tfjs' own output
    builtIn.dispose();

    const plain = makeModel();
    plain.compile({
      optimizer: 'sgd',
      loss: (a: tf.Tensor, b: tf.Tensor) => tf.losses.meanSquaredError(a, b),
    });
    await plain.save(fileSystem(plainFolder), { includeOptimizer: true });
    expect(JSON.parse(await readFile(join(plainFolder, 'model.json'), 'utf8')).trainingConfig.loss).toEqual(
      {},
    );
    tf.dispose([x, y]);
    [model, loaded, plain].forEach((m) => {
      m.dispose();
    });
  });

  it('the regularizer adds Reptile’s penalty λ·Σw² to the training loss', async () => {
    const layer = tfl.layers.dense({
      units: 2,
      inputShape: [2],
      useBias: false,
      kernelInitializer: 'ones',
      kernelRegularizer: reptileRegularizer({ name: 'l2', l2: 0.5 }),
    });
    const model = tfl.sequential({ layers: [layer] });
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const x = tf.zeros([1, 2]);
    const y = tf.zeros([1, 2]);
    // prediction 0 = target, so the training loss is only the penalty 0.5·(1+1+1+1) = 2.
    expect(await model.trainOnBatch(x, y)).toBeCloseTo(2, 6);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('minimize in plain tfjs-core code', () => {
    const w = tf.variable(tf.tensor1d([3, -2]));
    const opt = new ReptileOptimizer({ name: 'sgd', lr: 0.25 });
    // f(w) = Σw², gradient 2w: each step multiplies w by 1 − 0.5 = 0.5.
    for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    expect(Array.from(w.dataSync())).toEqual([3 / 8, -2 / 8]);
    w.dispose();
    opt.dispose();
  });

  it('getConfig/fromConfig round-trip through tfjs serialization', () => {
    const opt = reptileOptimizer({ name: 'lamb', lr: 0.003 });
    const cls = tf.serialization.SerializationMap.getMap().classNameMap.ReptileOptimizer!;
    const copy = cls[1](cls[0], { ...opt.getConfig(), customObjects: {} }) as ReptileOptimizer;
    expect(copy.spec.config).toEqual(opt.spec.config);
    expect(() => new ReptileOptimizer({ name: 'adam', betaOne: 0.9 })).toThrow(/unknown field 'betaOne'/);
  });
});
