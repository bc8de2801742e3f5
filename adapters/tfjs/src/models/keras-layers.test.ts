import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../testing.ts';
import { importTfjsModel } from './import.ts';
import { saveTfjs, tempRoot } from './testing.ts';

/**
 * The Keras → Reptile config translation, checked field by field against docs/models.md for
 * models tfjs-layers itself saved, and for topologies as the Keras converter and Keras 3 write them.
 */
let temp: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  await useBackend('cpu');
  temp = await tempRoot();
});
afterAll(async () => {
  await temp.cleanup();
});

async function importSaved(model: tfl.LayersModel) {
  const dir = temp.folder();
  await saveTfjs(model, dir);
  return importTfjsModel(dir);
}

const shapes = (w: Record<string, { shape: readonly number[] }>) =>
  Object.fromEntries(Object.entries(w).map(([k, v]) => [k, [...v.shape]]));

// tfjs' default orthogonal recurrent initializer needs tfjs-core's chained ops, not loaded here.
const rnnInit = { recurrentInitializer: 'glorotUniform' as const, recurrentActivation: 'sigmoid' as const };

describe('Keras classes and fields map to docs/models.md configs', () => {
  it('LSTM and GRU (reset_after false, as tfjs writes it): gates, weights [in, k·u], [u, k·u], [k·u]', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.lstm({ name: 'lstm', units: 3, inputShape: [5, 4], returnSequences: true, ...rnnInit }),
        tfl.layers.gru({ name: 'gru', units: 2, goBackwards: true, useBias: true, ...rnnInit }),
      ],
    });
    const { config, weights } = await importSaved(m);
    expect(config).toEqual({
      className: 'Functional',
      name: m.name,
      inputs: [{ name: 'lstm_input', shape: [5, 4], dtype: 'float32' }],
      layers: [
        {
          className: 'LSTM',
          config: {
            name: 'lstm',
            units: 3,
            activation: 'tanh',
            recurrentActivation: 'sigmoid',
            useBias: true,
            returnSequences: true,
            goBackwards: false,
          },
          inbound: ['lstm_input'],
        },
        {
          className: 'GRU',
          config: {
            name: 'gru',
            units: 2,
            activation: 'tanh',
            recurrentActivation: 'sigmoid',
            useBias: true,
            returnSequences: false,
            goBackwards: true,
            resetAfter: false,
          },
          inbound: ['lstm'],
        },
      ],
      outputs: ['gru'],
    });
    expect(shapes(weights)).toEqual({
      'lstm/kernel': [4, 12],
      'lstm/recurrentKernel': [3, 12],
      'lstm/bias': [12],
      'gru/kernel': [3, 6],
      'gru/recurrentKernel': [2, 6],
      'gru/bias': [6],
    });
  });

  it('BatchNormalization (statistics listed last by tfjs), LayerNormalization, Embedding', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.embedding({ name: 'emb', inputDim: 10, outputDim: 4, inputShape: [3] }),
        tfl.layers.batchNormalization({ name: 'bn', momentum: 0.9, epsilon: 1e-5, center: false }),
        tfl.layers.layerNormalization({ name: 'ln', epsilon: 1e-6 }),
      ],
    });
    const { config, weights } = await importSaved(m);
    expect((config.layers as unknown[]).map((l) => (l as { config: unknown }).config)).toEqual([
      { name: 'emb', inputDim: 10, outputDim: 4 },
      { name: 'bn', axis: -1, momentum: 0.9, epsilon: 1e-5, center: false, scale: true },
      // tfjs resolves LayerNormalization's axis to a list of positive axes (batch axis counted, as in Reptile).
      { name: 'ln', axis: [2], epsilon: 1e-6, center: true, scale: true },
    ]);
    expect(Object.keys(weights)).toEqual([
      'emb/embeddings',
      'bn/gamma',
      'bn/movingMean',
      'bn/movingVariance',
      'ln/gamma',
      'ln/beta',
    ]);
    expect(shapes(weights)['emb/embeddings']).toEqual([10, 4]);
  });

  it('pool aliases, strides null, channels_first, dilation', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          name: 'c',
          inputShape: [2, 9, 9],
          filters: 3,
          kernelSize: [3, 2],
          dilationRate: 2,
          dataFormat: 'channelsFirst',
        }),
        tfl.layers.maxPool2d({ name: 'p', poolSize: 2, dataFormat: 'channelsFirst' }),
      ],
    });
    const { config } = await importSaved(m);
    const [conv, pool] = (config.layers as { className: string; config: unknown }[]).map((l) => [
      l.className,
      l.config,
    ]);
    expect(conv).toEqual([
      'Conv2D',
      {
        name: 'c',
        filters: 3,
        kernelSize: [3, 2],
        strides: [1, 1],
        padding: 'valid',
        dataFormat: 'channelsFirst',
        dilationRate: [2, 2],
        groups: 1,
        activation: 'linear',
        useBias: true,
      },
    ]);
    // tfjs writes strides = pool_size when none is given.
    expect(pool).toEqual([
      'MaxPool2D',
      { name: 'p', poolSize: [2, 2], strides: [2, 2], padding: 'valid', dataFormat: 'channelsFirst' },
    ]);
  });
});

describe('topologies as the Keras converter and Keras 3 write them', () => {
  /** A hand-written folder: one Dense of 1 unit on 2 features, weights [[1], [2]] and [0.5]. */
  async function folderWith(topology: unknown, weightPrefix = 'dense'): Promise<string> {
    const dir = temp.folder();
    await mkdir(dir);
    await writeFile(join(dir, 'w.bin'), Buffer.from(new Float32Array([1, 2, 0.5]).buffer));
    const weights = [
      { name: `${weightPrefix}/kernel`, shape: [2, 1], dtype: 'float32' },
      { name: `${weightPrefix}/bias`, shape: [1], dtype: 'float32' },
    ];
    await writeFile(
      join(dir, 'model.json'),
      JSON.stringify({
        format: 'layers-model',
        modelTopology: topology,
        weightsManifest: [{ paths: ['w.bin'], weights }],
      }),
    );
    return dir;
  }

  const dense = {
    units: 1,
    activation: 'linear',
    use_bias: true,
    kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: { class_name: 'L1L2', config: { l1: 0, l2: 0.02 } },
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    trainable: true,
    dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } },
    name: 'dense',
  };
  const expected = {
    className: 'Functional',
    name: 'm',
    inputs: [{ name: 'x', shape: [2], dtype: 'float32' }],
    layers: [
      {
        className: 'Dense',
        config: {
          name: 'dense',
          units: 1,
          activation: 'linear',
          useBias: true,
          kernelRegularizer: { name: 'l2', l2: 0.02 },
        },
        inbound: ['x'],
      },
    ],
    outputs: ['dense'],
  };

  it('Keras 3 Functional: model_config wrapper, {args: [keras tensors]} inbound nodes, flat endpoints', async () => {
    const dir = await folderWith({
      keras_version: '3.4.1',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'm',
          layers: [
            {
              class_name: 'InputLayer',
              name: 'x',
              config: { batch_shape: [null, 2], dtype: 'float32', sparse: false, name: 'x' },
              inbound_nodes: [],
            },
            {
              module: 'keras.layers',
              class_name: 'Dense',
              name: 'dense',
              config: dense,
              build_config: { input_shape: [null, 2] },
              inbound_nodes: [
                {
                  args: [
                    {
                      class_name: '__keras_tensor__',
                      config: { shape: [null, 2], dtype: 'float32', keras_history: ['x', 0, 0] },
                    },
                  ],
                  kwargs: {},
                },
              ],
            },
          ],
          input_layers: ['x', 0, 0],
          output_layers: ['dense', 0, 0],
        },
      },
    });
    const { config, weights } = await importTfjsModel(dir);
    expect(config).toEqual(expected);
    expect([...weights['dense/kernel']!.data()]).toEqual([1, 2]);
    expect([...weights['dense/bias']!.data()]).toEqual([0.5]);
  });

  it('Keras 3 merge layers take their inputs as one list argument', async () => {
    const tensor = (name: string) => ({
      class_name: '__keras_tensor__',
      config: { shape: [null, 2], dtype: 'float32', keras_history: [name, 0, 0] },
    });
    const input = (name: string) => ({
      class_name: 'InputLayer',
      name,
      config: { batch_shape: [null, 2], dtype: 'float32', name },
      inbound_nodes: [],
    });
    const dir = temp.folder();
    await mkdir(dir);
    await writeFile(
      join(dir, 'model.json'),
      JSON.stringify({
        format: 'layers-model',
        modelTopology: {
          model_config: {
            class_name: 'Functional',
            config: {
              name: 'm',
              layers: [
                input('a'),
                input('b'),
                {
                  class_name: 'Add',
                  name: 'sum',
                  config: { name: 'sum', trainable: true, dtype: 'float32' },
                  inbound_nodes: [{ args: [[tensor('a'), tensor('b')]], kwargs: {} }],
                },
              ],
              input_layers: [
                ['a', 0, 0],
                ['b', 0, 0],
              ],
              output_layers: ['sum', 0, 0],
            },
          },
        },
        weightsManifest: [],
      }),
    );
    const { config } = await importTfjsModel(dir);
    expect(config.layers).toEqual([{ className: 'Add', config: { name: 'sum' }, inbound: ['a', 'b'] }]);
    expect(config.inputs).toEqual([
      { name: 'a', shape: [2], dtype: 'float32' },
      { name: 'b', shape: [2], dtype: 'float32' },
    ]);
  });

  it('weights under a model scope are found by the segment naming the layer', async () => {
    const dir = await folderWith(
      {
        class_name: 'Sequential',
        config: {
          name: 'm',
          layers: [{ class_name: 'Dense', config: { ...dense, batch_input_shape: [null, 2] } }],
        },
      },
      'm/dense',
    );
    const { weights } = await importTfjsModel(dir);
    expect([...weights['dense/kernel']!.data()]).toEqual([1, 2]);
  });

  it('Keras 2 Sequential with the layer list as config and scoped weight names', async () => {
    const dir = await folderWith(
      {
        keras_version: '2.2.2',
        model_config: {
          class_name: 'Sequential',
          config: [
            { class_name: 'Dense', config: { ...dense, dtype: 'float32', batch_input_shape: [null, 2] } },
          ],
        },
      },
      'dense/dense_cell',
    );
    const { config } = await importTfjsModel(dir);
    expect(config).toEqual({
      ...expected,
      name: 'sequential',
      inputs: [{ name: 'dense_input', shape: [2], dtype: 'float32' }],
      layers: [{ ...expected.layers[0], inbound: ['dense_input'] }],
    });
  });
});
