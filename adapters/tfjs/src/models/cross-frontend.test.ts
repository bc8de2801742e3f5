import { grad, optimizerFromConfig, Tensor as T, type Tensor } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../../../../packages/layers/src/index.ts';
import { fileSystem } from '../io/file-system.ts';
import { useBackend } from '../testing.ts';
import { exportTfjsModel } from './export.ts';
import { importTfjsModel } from './import.ts';
import {
  buildFunctional,
  fixWeights,
  maxAbsDiff,
  reptilePredict,
  saveTfjs,
  tempRoot,
  tfjsPredict,
  values,
  weightsInOrder,
} from './testing.ts';

/**
 * The issue's round trip across frontends: a model made in tfjs, trained in Reptile (reference
 * backend, Reptile's SGD with momentum), exported back to tfjs. tfjs must load exactly Reptile's
 * trained weights, and those weights must equal what tfjs' own trainer computes from the same
 * start (tf.train.momentum is the same update rule as torch/Reptile SGD with dampening 0).
 */
let temp: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  await useBackend('cpu');
  temp = await tempRoot();
});
afterAll(async () => {
  await temp.cleanup();
});

const LR = 0.05;
const MOMENTUM = 0.9;
const STEPS = 4;

function build(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv',
        inputShape: [5, 5, 2],
        filters: 3,
        kernelSize: 3,
        padding: 'same',
        activation: 'tanh',
      }),
      tfl.layers.averagePooling2d({ name: 'pool', poolSize: 2 }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ name: 'out', units: 2 }),
    ],
  });
  fixWeights(m, 11);
  return m;
}

describe('tfjs → Reptile training → tfjs', () => {
  it('tf.loadLayersModel gets Reptile-trained weights, equal to tfjs training the same steps', async () => {
    const batch = 4;
    const x = { data: values(batch * 50, 5), shape: [batch, 5, 5, 2] };
    const y = values(batch * 2, 6);

    const source = build();
    const dir = temp.folder();
    await saveTfjs(source, dir);
    const imported = await importTfjsModel(dir);
    const model = buildFunctional(imported.config);
    const optimizer = optimizerFromConfig({ name: 'sgd', lr: LR, momentum: MOMENTUM });
    let params: Tensor[] = weightsInOrder(model, imported.weights);
    let state = optimizer.init(params);
    const xs = T.fromData(x.data, x.shape);
    const ys = T.fromData(y, [batch, 2]);
    const losses: number[] = [];
    for (let s = 0; s < STEPS; s++) {
      const loss = model.apply(params, xs, INFERENCE).sub(ys).pow(2).mean();
      const grads = grad(loss, params);
      const next = optimizer.step(params, grads, state);
      losses.push(loss.item());
      // Realised each step so the next step's graph starts from constants.
      params = next.params.map((p) => T.fromData(p.data(), p.shape, p.dtype));
      state = next.state;
    }
    expect(losses[STEPS - 1]!).toBeLessThan(losses[0]!);
    const trained = Object.fromEntries(model.weights.map((w, i) => [w.path, params[i]!]));

    const back = temp.folder();
    await exportTfjsModel(back, model.getConfig(), trained);
    const loaded = await tfl.loadLayersModel(fileSystem(back));
    const byName = new Map(loaded.weights.map((w) => [w.originalName, w.read().dataSync()]));
    const tfjsName = (path: string) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    for (const [path, value] of Object.entries(trained)) {
      expect([...byName.get(tfjsName(path))!]).toEqual([...value.data()]);
    }
    const predicted = tfjsPredict(loaded, [x]);
    expect(
      maxAbsDiff(predicted, reptilePredict(model, trained, { [model.inputs[0]!.name]: x })),
    ).toBeLessThan(1e-4);

    // The oracle: tfjs trains its own copy from the same start with the same rule.
    const twin = build();
    twin.compile({ optimizer: tf.train.momentum(LR, MOMENTUM), loss: 'meanSquaredError' });
    for (let s = 0; s < STEPS; s++) {
      await twin.trainOnBatch(tf.tensor(x.data, x.shape), tf.tensor(y, [batch, 2]));
    }
    for (const w of twin.weights) {
      const ours = trained[w.originalName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]!;
      expect(maxAbsDiff(ours.data(), w.read().dataSync())).toBeLessThan(1e-5);
    }
    source.dispose();
    loaded.dispose();
    twin.dispose();
  });

  it('with BatchNormalization in training mode: moving statistics updated as tfjs updates them', async () => {
    const build = () => {
      const m = tfl.sequential({
        layers: [
          tfl.layers.dense({ name: 'hidden', inputShape: [5], units: 4 }),
          tfl.layers.batchNormalization({ name: 'bn', momentum: 0.8 }),
          tfl.layers.activation({ name: 'act', activation: 'tanh' }),
          tfl.layers.dense({ name: 'out', units: 2 }),
        ],
      });
      fixWeights(m, 23);
      return m;
    };
    const batch = 6;
    const x = values(batch * 5, 7);
    const y = values(batch * 2, 8);
    const dir = temp.folder();
    const source = build();
    await saveTfjs(source, dir);
    const { model, ordered } = await importTfjsModel(dir, { build: buildFunctional });
    const optimizer = optimizerFromConfig({ name: 'sgd', lr: LR, momentum: MOMENTUM });
    const trainable = model.weights.flatMap((w, i) => (w.trainable ? [i] : []));
    let params: Tensor[] = [...ordered];
    let state = optimizer.init(trainable.map((i) => params[i]!));
    const xs = T.fromData(x, [batch, 5]);
    const ys = T.fromData(y, [batch, 2]);
    for (let s = 0; s < STEPS; s++) {
      const updates = new Map<string, Tensor>();
      const ctx = { ...INFERENCE, training: true, updates };
      const loss = model.apply(params, xs, ctx).sub(ys).pow(2).mean();
      const grads = grad(
        loss,
        trainable.map((i) => params[i]!),
      );
      const next = optimizer.step(
        trainable.map((i) => params[i]!),
        grads,
        state,
      );
      const stepped = new Map(trainable.map((i, k) => [i, next.params[k]!]));
      params = params.map((p, i) => {
        const v = stepped.get(i) ?? updates.get(model.weights[i]!.path) ?? p;
        return T.fromData(v.data(), v.shape, v.dtype);
      });
      state = next.state;
    }
    const trained = Object.fromEntries(model.weights.map((w, i) => [w.path, params[i]!]));
    const back = temp.folder();
    await exportTfjsModel(back, model.getConfig(), trained);
    const loaded = await tfl.loadLayersModel(fileSystem(back));
    const byName = new Map(loaded.weights.map((w) => [w.originalName, w.read().dataSync()]));
    const tfjsName = (path: string) => path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    for (const [path, value] of Object.entries(trained)) {
      expect([...byName.get(tfjsName(path))!]).toEqual([...value.data()]);
    }

    const twin = build();
    twin.compile({ optimizer: tf.train.momentum(LR, MOMENTUM), loss: 'meanSquaredError' });
    for (let s = 0; s < STEPS; s++)
      await twin.trainOnBatch(tf.tensor(x, [batch, 5]), tf.tensor(y, [batch, 2]));
    for (const w of twin.weights) {
      const ours = trained[w.originalName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())]!;
      expect(maxAbsDiff(ours.data(), w.read().dataSync())).toBeLessThan(1e-5);
    }
    const initialMean = source.getLayer('bn').getWeights()[2]!.dataSync();
    expect(maxAbsDiff(trained['bn/movingMean']!.data(), initialMean)).toBeGreaterThan(1e-3);
    source.dispose();
    loaded.dispose();
    twin.dispose();
  });
});
