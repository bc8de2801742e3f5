import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
} from './testing.ts';

/**
 * Real tfjs-layers models, built and saved by tfjs itself, imported into Reptile: Reptile's
 * forward pass (reference backend, inference) must match tfjs' predict, and exporting back must
 * give tf.loadLayersModel a model with the same weights and predictions.
 */
interface Case {
  readonly name: string;
  readonly build: () => tfl.LayersModel;
  /** Per-sample input shapes, in the model's input order. */
  readonly inputs: readonly { shape: number[]; ints?: number }[];
}

const dense = (units: number, extra: Partial<Parameters<typeof tfl.layers.dense>[0]> = {}) =>
  tfl.layers.dense({ units, ...extra });

// tfjs' default orthogonal recurrent initializer needs tfjs-core's chained ops (not loaded in
// these tests) and its default hard_sigmoid has no Reptile equivalent.
const rnn = { recurrentInitializer: 'glorotUniform', recurrentActivation: 'sigmoid' } as const;

const CASES: Case[] = [
  {
    name: 'Sequential MLP: dense relu, dropout, dense softmax',
    build: () =>
      tfl.sequential({
        layers: [
          dense(7, { inputShape: [5], activation: 'relu' }),
          tfl.layers.dropout({ rate: 0.3 }),
          dense(3, { activation: 'softmax' }),
        ],
      }),
    inputs: [{ shape: [5] }],
  },
  {
    name: 'conv2d same/stride 2 and valid, max and average pooling, flatten',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.conv2d({
            inputShape: [9, 8, 3],
            filters: 4,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'relu',
          }),
          tfl.layers.conv2d({ filters: 5, kernelSize: [2, 3], padding: 'valid', useBias: false }),
          tfl.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
          tfl.layers.averagePooling2d({ poolSize: [2, 2], padding: 'valid' }),
          tfl.layers.flatten(),
          dense(3, { activation: 'sigmoid' }),
        ],
      }),
    inputs: [{ shape: [9, 8, 3] }],
  },
  {
    name: 'average pooling with same padding (edge windows average fewer cells), global pools',
    build: () => {
      const x = tfl.input({ shape: [7, 7, 2] });
      const p = tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
      const a = tfl.layers.globalAveragePooling2d({}).apply(p) as tfl.SymbolicTensor;
      const m = tfl.layers.globalMaxPooling2d({}).apply(p) as tfl.SymbolicTensor;
      const y = tfl.layers.concatenate().apply([a, m]) as tfl.SymbolicTensor;
      return tfl.model({ inputs: x, outputs: y });
    },
    inputs: [{ shape: [7, 7, 2] }],
  },
  {
    name: 'Functional two inputs: add and concatenate',
    build: () => {
      const a = tfl.input({ shape: [4], name: 'a' });
      const b = tfl.input({ shape: [6], name: 'b' });
      const ha = dense(5, { activation: 'tanh' }).apply(a) as tfl.SymbolicTensor;
      const hb = dense(5, { activation: 'elu' }).apply(b) as tfl.SymbolicTensor;
      const s = tfl.layers.add().apply([ha, hb]) as tfl.SymbolicTensor;
      const c = tfl.layers.concatenate({ axis: -1 }).apply([s, a]) as tfl.SymbolicTensor;
      return tfl.model({ inputs: [a, b], outputs: dense(2).apply(c) as tfl.SymbolicTensor });
    },
    inputs: [{ shape: [4] }, { shape: [6] }],
  },
  {
    name: 'reshape, permute, activation layers',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.reshape({ inputShape: [12], targetShape: [3, 4] }),
          tfl.layers.permute({ dims: [2, 1] }),
          dense(2, { activation: 'softplus' }),
          tfl.layers.flatten(),
          tfl.layers.activation({ activation: 'selu' }),
        ],
      }),
    inputs: [{ shape: [12] }],
  },
  {
    name: 'batchNormalization (moving statistics), layerNormalization, global average pooling',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.conv2d({
            inputShape: [6, 6, 2],
            filters: 4,
            kernelSize: 3,
            strides: [2, 1],
            padding: 'same',
          }),
          tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
          tfl.layers.globalAveragePooling2d({}),
          tfl.layers.layerNormalization({ epsilon: 1e-5 }),
          tfl.layers.batchNormalization({ center: false }),
          dense(3),
        ],
      }),
    inputs: [{ shape: [6, 6, 2] }],
  },
  {
    name: 'LSTM (sequences) into GRU (resetAfter false, backwards) into dense',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.lstm({ inputShape: [5, 3], units: 4, returnSequences: true, ...rnn }),
          tfl.layers.gru({ units: 3, goBackwards: true, ...rnn }),
          dense(2),
        ],
      }),
    inputs: [{ shape: [5, 3] }],
  },
  {
    name: 'GRU returning sequences, LSTM without bias, going backwards',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.gru({ inputShape: [4, 2], units: 3, returnSequences: true, activation: 'relu', ...rnn }),
          tfl.layers.lstm({ units: 2, useBias: false, goBackwards: true, ...rnn }),
        ],
      }),
    inputs: [{ shape: [4, 2] }],
  },
  {
    name: 'embedding (float inputs holding indices, as tfjs feeds them), flatten, dense',
    build: () =>
      tfl.sequential({
        layers: [
          tfl.layers.embedding({ inputShape: [5], inputDim: 11, outputDim: 3 }),
          tfl.layers.flatten(),
          dense(2),
        ],
      }),
    inputs: [{ shape: [5], ints: 11 }],
  },
  {
    name: 'nested models: a Sequential inside a Functional inside a Sequential (inlined)',
    build: () => {
      const inner = tfl.sequential({ layers: [dense(4, { inputShape: [3], activation: 'relu' }), dense(3)] });
      const x = tfl.input({ shape: [3] });
      const h = inner.apply(x) as tfl.SymbolicTensor;
      const mid = tfl.model({ inputs: x, outputs: tfl.layers.add().apply([h, x]) as tfl.SymbolicTensor });
      return tfl.sequential({ layers: [mid, dense(2)] });
    },
    inputs: [{ shape: [3] }],
  },
];

let temp: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  await useBackend('cpu');
  temp = await tempRoot();
});
afterAll(async () => {
  await temp.cleanup();
});

describe('importTfjsModel and exportTfjsModel with real tfjs-layers models', () => {
  CASES.forEach((c, k) => {
    it(c.name, async () => {
      const model = c.build();
      fixWeights(model, 100 * k + 1);
      const dir = temp.folder();
      await saveTfjs(model, dir);
      const batch = 3;
      const inputs = c.inputs.map((x, i) => {
        const data = values(batch * x.shape.reduce((a, b) => a * b, 1), 7 * k + i + 1);
        return {
          data: x.ints ? data.map((v) => Math.floor(((v + 1) / 2) * x.ints!)) : data,
          shape: [batch, ...x.shape],
        };
      });
      const expected = tfjsPredict(model, inputs);

      const imported = await importTfjsModel(dir, { build: buildFunctional });
      const reptile = imported.model;
      const named = Object.fromEntries(reptile.inputs.map((input, i) => [input.name, inputs[i]!]));
      const got = reptilePredict(reptile, imported.weights, named);
      expect(got.length).toBe(expected.length);
      expect(maxAbsDiff(got, expected)).toBeLessThan(1e-4);

      const back = temp.folder();
      await exportTfjsModel(back, reptile.getConfig(), imported.weights);
      const reloaded = await tfl.loadLayersModel(fileSystem(back));
      expect(maxAbsDiff(tfjsPredict(reloaded, inputs), expected)).toBeLessThan(1e-6);
      const originals = new Map(model.weights.map((w) => [w.originalName, w.read().dataSync()]));
      expect(reloaded.weights.length).toBe(model.weights.length);
      for (const w of reloaded.weights) {
        expect([...w.read().dataSync()]).toEqual([...originals.get(w.originalName)!]);
      }
      model.dispose();
      reloaded.dispose();
    });
  });
});

describe('channels-first BatchNormalization (axis 1)', () => {
  it('imports with axis 1 and computes the Keras definition, where tfjs 4.22 cpu does not', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.batchNormalization({ inputShape: [3, 2, 2], axis: 1, name: 'bn' })],
    });
    fixWeights(model, 5);
    const dir = temp.folder();
    await saveTfjs(model, dir);
    const imported = await importTfjsModel(dir, { build: buildFunctional });
    expect((imported.config.layers as { config: { axis: number } }[])[0]!.config.axis).toBe(1);
    const x = { data: values(2 * 12, 9), shape: [2, 3, 2, 2] };
    const got = reptilePredict(imported.model, imported.weights, { [imported.model.inputs[0]!.name]: x });
    const [gamma, beta, mean, variance] = ['gamma', 'beta', 'movingMean', 'movingVariance'].map((n) =>
      imported.weights[`bn/${n}`]!.data(),
    );
    // By hand: channel c = (i / 4) % 3 of a [2, 3, 2, 2] batch, epsilon 1e-3.
    const byHand = x.data.map((v, i) => {
      const c = Math.floor(i / 4) % 3;
      return (gamma![c]! * (v - mean![c]!)) / Math.sqrt(variance![c]! + 1e-3) + beta![c]!;
    });
    expect(maxAbsDiff(got, byHand)).toBeLessThan(1e-6);
    // tfjs' batchNorm kernel indexes a [1, C, 1, 1] mean modulo the last axis (docs/tfjs-models.md).
    expect(maxAbsDiff(tfjsPredict(model, [x]), byHand)).toBeGreaterThan(1e-2);
    model.dispose();
  });
});
