import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { layers } from '../api/layers.ts';
import { Loss } from '../api/loss.ts';
import { Optimizer } from '../api/optimizer.ts';
import { Regularizer } from '../api/regularizer.ts';
import { Data } from '../data/data.ts';
import { registerFrontend } from '../frontend/frontend.ts';
import { ReferenceFrontend } from '../frontend/reference.ts';
import { callbacks } from './callbacks.ts';
import { Model } from './model.ts';
import { blobs, quiet } from './test-data.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-model-'));

function classifier(seed = 0, extra: (m: Model) => void = () => {}): Model {
  const model = new Model({ seed });
  model.add(layers.Dense(16, { activation: 'relu' }));
  extra(model);
  model.add(layers.Dense(3, { activation: 'softmax' }));
  return model;
}

const weightsOf = (m: Model) => m.weightValues!.map((w) => Array.from(w));

describe('Model.fit and evaluate', () => {
  it('learns separable classes and scores them on held-out data', async () => {
    const model = classifier();
    const history = await model.fit(blobs(300, 1), {
      criterion: Loss.CrossEntropy(),
      optimizer: Optimizer.Adam({ lr: 0.01 }),
      epochs: 5,
      batchSize: 16,
      ...quiet,
    });
    const losses = history.metric('loss');
    expect(losses).toHaveLength(5);
    expect(losses[4]!).toBeLessThan(losses[0]!);
    const accuracy = await model.evaluate(blobs(150, 2));
    expect(accuracy).toBeGreaterThan(0.95);
    const report = await model.evaluate(blobs(150, 2), { report: true });
    expect(report.accuracy).toBe(accuracy);
    expect(report.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(150);
    const diagonal = report.confusionMatrix.reduce((a, row, i) => a + row[i]!, 0);
    expect(diagonal / 150).toBe(accuracy);
    expect(report.loss).toBeGreaterThan(0);
    expect(report.top5).toBe(1); // 3 classes: the label is always among the top 3
  });

  it('trains on one-hot labels the same way as on class indices', async () => {
    const data = blobs(90, 11);
    const run = async (d: typeof data) => {
      const m = classifier(6);
      await m.fit(d, { optimizer: Optimizer.SGD({ lr: 0.1 }), epochs: 2, batchSize: 9, ...quiet });
      return weightsOf(m);
    };
    const a = await run(data);
    const b = await run(data.withLabelEncoding('oneHot'));
    // cross-entropy of a one-hot target equals that of its index: same gradients, same weights
    a.forEach((w, i) => {
      w.forEach((v, j) => {
        expect(b[i]![j]).toBeCloseTo(v, 5);
      });
    });
  });

  it('fits a regression target and evaluates to the mean squared error', async () => {
    // y = 2x − 1 exactly; a single linear unit can fit it
    const xs = Array.from({ length: 40 }, (_, i) => [i / 20 - 1]);
    const data = Data.fromArrays(
      xs,
      xs.map(([x]) => 2 * x! - 1),
      { normalize: 'none' },
    );
    expect(data.task).toBe('regression');
    const model = new Model();
    model.add(layers.Dense(1));
    await model.fit(data, { optimizer: Optimizer.SGD({ lr: 0.1 }), epochs: 60, batchSize: 8, ...quiet });
    const mse = await model.evaluate(data);
    expect(mse).toBeLessThan(1e-4);
    const [kernel, bias] = model.weightValues!;
    expect(kernel![0]).toBeCloseTo(2, 2);
    expect(bias![0]).toBeCloseTo(-1, 2);
  });

  it('computes softmax + cross-entropy from the logits: the first loss is −log softmax by hand', async () => {
    // One sample, a [1 → 2] softmax layer with known weights, SGD with lr 0 (no change).
    const model = new Model();
    model.add(layers.Dense(2, { activation: 'softmax' }));
    const data = Data.fromArrays([[1]], [1], { normalize: 'none' });
    model.build([1]);
    model.setWeights(
      JSON.parse(
        JSON.stringify(
          (await import('@reptile/layers')).saveWeights(model.network.weights, [
            Tensor.fromData([200, -200], [1, 2]),
            Tensor.fromData([0, 0], [2]),
          ]),
        ),
      ),
    );
    // logits [200, −200]: softmax(−200 − 200) underflows to 0 in float32, so log(p) would be −∞;
    // the fused loss is logSumExp − z₁ = 400 + log(1 + e^−400) = 400 exactly in float32.
    const history = await model.fit(data, {
      criterion: Loss.CrossEntropy({ fromLogits: false }),
      optimizer: Optimizer.SGD({ lr: 0 }),
      epochs: 1,
      batchSize: 1,
      metrics: [],
      ...quiet,
    });
    expect(history.metric('loss')[0]).toBe(400);
  });

  it('adds a kernel regularizer penalty λ·Σw² to the loss', async () => {
    const data = blobs(30, 3);
    const plain = classifier(5);
    const penalised = new Model({ seed: 5 });
    penalised.add(layers.Dense(16, { activation: 'relu', kernelRegularizer: Regularizer.L2(0.5) }));
    penalised.add(layers.Dense(3, { activation: 'softmax' }));
    const options = { optimizer: Optimizer.SGD({ lr: 0 }), epochs: 1, batchSize: 30, ...quiet } as const;
    const a = (await plain.fit(data, options)).metric('loss')[0]!;
    const b = (await penalised.fit(data, options)).metric('loss')[0]!;
    // same seed and paths → same initial kernel; penalty = 0.5 · Σ kernel²
    const kernel = plain.weightValues![0]!;
    const penalty = 0.5 * Array.from(kernel).reduce((s, w) => s + w * w, 0);
    expect(b - a).toBeCloseTo(penalty, 4);
  });

  it('uses dropout in training only: evaluation is deterministic', async () => {
    const model = classifier(0, (m) => m.add(layers.Dropout(0.5)));
    await model.fit(blobs(60, 4), {
      optimizer: Optimizer.Adam({ lr: 0.01 }),
      epochs: 2,
      batchSize: 10,
      ...quiet,
    });
    const test = blobs(30, 5);
    const a = await model.predict(test);
    const b = await model.predict(test);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
  });

  it('is deterministic for a seed', async () => {
    const run = async () => {
      const m = classifier(3, (x) => x.add(layers.Dropout(0.2)));
      await m.fit(blobs(60, 6), { optimizer: Optimizer.SGD({ lr: 0.1 }), epochs: 2, batchSize: 8, ...quiet });
      return weightsOf(m);
    };
    expect(await run()).toEqual(await run());
  });

  it('infers the input shape from the data and refuses too few outputs', async () => {
    const model = new Model();
    model.add(layers.Dense(2, { activation: 'softmax' }));
    await expect(model.fit(blobs(30, 1), quiet)).rejects.toThrow(
      /outputs 2 values but the data has 3 classes/,
    );
    const ok = classifier();
    await ok.fit(blobs(30, 1), { epochs: 1, ...quiet });
    expect(ok.network.inputShape).toEqual([4]);
  });

  it('holds out a validation split and reports val_ metrics', async () => {
    const model = classifier();
    const history = await model.fit(blobs(120, 7), {
      optimizer: Optimizer.Adam({ lr: 0.01 }),
      epochs: 2,
      validationSplit: 0.25,
      metrics: ['accuracy', 'top2', 'f1'],
      ...quiet,
    });
    expect(history.metrics).toEqual(
      expect.arrayContaining(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_top2', 'val_f1', 'lr']),
    );
    expect(history.metric('val_top2')[1]!).toBeGreaterThanOrEqual(history.metric('val_accuracy')[1]!);
  });
});

describe('callbacks', () => {
  it('early stopping stops after `patience` epochs and restores the best weights', async () => {
    // monitor loss in 'max' mode: the loss falls, so epoch 1 stays "best" and training stops at 3
    const stopper = callbacks.earlyStopping({ monitor: 'loss', mode: 'max', patience: 2 });
    const model = classifier(2);
    const opts = { optimizer: Optimizer.SGD({ lr: 0.1 }), batchSize: 10, ...quiet } as const;
    const history = await model.fit(blobs(60, 8), { ...opts, epochs: 10, callbacks: [stopper] });
    expect(history.epochs).toHaveLength(3);
    expect(stopper.stoppedEpoch).toBe(3);
    const one = classifier(2);
    await one.fit(blobs(60, 8), { ...opts, epochs: 1 });
    expect(weightsOf(model)).toEqual(weightsOf(one));
  });

  it('a checkpointed run resumes to exactly the weights of an uninterrupted one', async () => {
    const data = blobs(60, 9);
    const opts = { optimizer: Optimizer.Adam({ lr: 0.01 }), batchSize: 8, ...quiet } as const;
    const straight = classifier(4, (m) => m.add(layers.Dropout(0.3)));
    await straight.fit(data, { ...opts, epochs: 4 });
    const path = join(dir, 'ckpt.json');
    const first = classifier(4, (m) => m.add(layers.Dropout(0.3)));
    await first.fit(data, { ...opts, epochs: 2, callbacks: [callbacks.checkpoint({ path })] });
    expect(JSON.parse(readFileSync(path, 'utf8')).epoch).toBe(2);
    const resumed = classifier(4, (m) => m.add(layers.Dropout(0.3)));
    const history = await resumed.fit(data, {
      ...opts,
      epochs: 4,
      callbacks: [callbacks.checkpoint({ path, resume: true })],
    });
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));
    // written atomically: no temp files left beside it
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to resume a checkpoint of another model', async () => {
    const path = join(dir, 'other.json');
    await classifier().fit(blobs(30, 1), {
      epochs: 1,
      callbacks: [callbacks.checkpoint({ path })],
      ...quiet,
    });
    const other = new Model();
    other.add(layers.Dense(8)).add(layers.Dense(3, { activation: 'softmax' }));
    await expect(
      other.fit(blobs(30, 1), {
        epochs: 2,
        callbacks: [callbacks.checkpoint({ path, resume: true })],
        ...quiet,
      }),
    ).rejects.toThrow(/the checkpoint holds a different model/);
  });

  it('a learning-rate scheduler sets the lr each epoch; reduce-on-plateau cuts it', async () => {
    const history = await classifier().fit(blobs(30, 1), {
      optimizer: Optimizer.SGD({ lr: 0.1 }),
      epochs: 3,
      callbacks: [callbacks.learningRateScheduler((epoch) => 0.1 / epoch)],
      ...quiet,
    });
    expect(history.metric('lr')).toEqual([0.1, 0.05, 0.1 / 3]);
    const plateau = await classifier().fit(blobs(30, 1), {
      optimizer: Optimizer.SGD({ lr: 0.1 }),
      epochs: 4,
      // 'max' mode on a falling loss never improves: epoch 1 sets the best, and the end of every
      // later epoch (patience 1) halves the lr for the next one
      callbacks: [
        callbacks.reduceLearningRateOnPlateau({ monitor: 'loss', mode: 'max', patience: 1, factor: 0.5 }),
      ],
      ...quiet,
    });
    expect(plateau.metric('lr')).toEqual([0.1, 0.1, 0.05, 0.025]);
  });

  it('the history log and plot are written after each epoch', async () => {
    const log = join(dir, 'history.json');
    const plot = join(dir, 'history.svg');
    await classifier().fit(blobs(60, 1), {
      epochs: 2,
      validationSplit: 0.2,
      callbacks: [callbacks.historyLog(log)],
      plot,
      ...quiet,
    });
    const saved = JSON.parse(readFileSync(log, 'utf8'));
    expect(saved.epochs).toHaveLength(2);
    const svg = readFileSync(plot, 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('validation loss');
    expect(svg).toContain('train accuracy');
  });
});

describe('findLearningRate', () => {
  it('sweeps the lr geometrically, suggests a tenth of the best, and leaves weights alone', async () => {
    const model = classifier();
    const data = blobs(300, 1);
    model.buildFor(data);
    const before = weightsOf(model);
    const plot = join(dir, 'lr.svg');
    const result = await model.findLearningRate(data, {
      minLr: 1e-4,
      maxLr: 1e4,
      steps: 80,
      batchSize: 8,
      plot,
    });
    expect(weightsOf(model)).toEqual(before);
    expect(result.lrs[0]).toBeCloseTo(1e-4, 12);
    // consecutive lrs grow by the constant ratio (1e8)^(1/79)
    expect(result.lrs[1]! / result.lrs[0]!).toBeCloseTo(1e8 ** (1 / 79), 10);
    expect(result.suggestedLr).toBeCloseTo(result.minLossLr / 10, 12);
    // SGD on this data diverges long before lr 1e4: the sweep stops early, past its minimum
    expect(result.lrs.length).toBeLessThan(80);
    expect(result.minLossLr).toBeGreaterThan(1e-3);
    expect(result.minLossLr).toBeLessThan(result.lrs.at(-1)!);
    // the curve falls from its start to its minimum
    expect(Math.min(...result.losses)).toBeLessThan(result.losses[0]!);
    expect(existsSync(plot)).toBe(true);
    expect(readFileSync(plot, 'utf8')).toContain('suggested');
  });
});

describe('frontends and persistence', () => {
  it('runs on a registered frontend and refuses unknown ones', async () => {
    let steps = 0;
    const inner = new ReferenceFrontend();
    registerFrontend('counting', () => ({
      name: 'counting',
      infer: (...args) => inner.infer(...args),
      async train(program, initial, resume) {
        const session = await inner.train(program, initial, resume);
        const step = session.step.bind(session);
        session.step = (batch) => {
          steps++;
          return step(batch);
        };
        return session;
      },
    }));
    const model = new Model({ frontend: 'counting' });
    model.add(layers.Dense(3, { activation: 'softmax' }));
    await model.fit(blobs(30, 1), { epochs: 2, batchSize: 10, ...quiet });
    expect(steps).toBe(6);
    const missing = new Model({ frontend: 'nope' });
    missing.add(layers.Dense(3));
    await expect(missing.fit(blobs(30, 1), quiet)).rejects.toThrow(/frontend 'nope' is not available/);
  });

  it('save and load give the same predictions', async () => {
    const model = classifier();
    await model.fit(blobs(60, 1), { epochs: 1, ...quiet });
    const where = join(dir, 'saved');
    await model.save(where);
    const loaded = await Model.load(where);
    const test = blobs(30, 2);
    expect(Array.from((await loaded.predict(test)).values)).toEqual(
      Array.from((await model.predict(test)).values),
    );
  });

  it('export names the missing exporter until an adapter registers one', async () => {
    const model = classifier();
    await model.fit(blobs(30, 1), { epochs: 1, ...quiet });
    await expect(model.export(join(dir, 'm.onnx'))).rejects.toThrow(
      /no exporter for 'onnx' is registered yet/,
    );
  });
});
