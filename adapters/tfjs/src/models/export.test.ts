import { readdir } from 'node:fs/promises';
import { ReptileError, Tensor } from '@reptile/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conv2D } from '../../../../packages/layers/src/conv/index.ts';
import { Functional } from '../../../../packages/layers/src/graph/functional.ts';
import { Concatenate } from '../../../../packages/layers/src/graph/merge.ts';
import { Dense, Flatten, Sequential } from '../../../../packages/layers/src/index.ts';
import { BatchNormalization } from '../../../../packages/layers/src/normalization/index.ts';
import { LSTM } from '../../../../packages/layers/src/recurrent/index.ts';
import { fileSystem } from '../io/file-system.ts';
import { useBackend } from '../testing.ts';
import { exportTfjsModel } from './export.ts';
import { maxAbsDiff, reptilePredict, tempRoot, tfjsPredict, values } from './testing.ts';

/** Models made in Reptile, exported to tfjs: tf.loadLayersModel must compute what Reptile computes. */
let temp: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  await useBackend('cpu');
  temp = await tempRoot();
});
afterAll(async () => {
  await temp.cleanup();
});

function record(
  model: { weights: readonly { path: string }[] },
  vals: readonly Tensor[],
): Record<string, Tensor> {
  return Object.fromEntries(model.weights.map((w, i) => [w.path, vals[i]!]));
}

/** Initial values scaled by a seed-dependent pattern, so biases and statistics are not 0/1. */
function perturbed(model: { weights: readonly { path: string; shape: readonly number[] }[] }): Tensor[] {
  return model.weights.map((w, i) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const v = values(n, 31 + i).map((x) => (w.path.endsWith('movingVariance') ? Math.abs(x) + 0.5 : x / 2));
    return Tensor.fromData(v, [...w.shape]);
  });
}

async function refusal(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReptileError);
  return (error as Error).message;
}

describe('exportTfjsModel on Reptile-made models', () => {
  it('a Functional with conv (channelsFirst, stride 2, same), batch norm, LSTM and concatenate predicts the same in tfjs', async () => {
    const model = new Functional({ name: 'made_in_reptile' });
    const image = model.input('image', [2, 6, 6]);
    const seq = model.input('seq', [4, 3]);
    const c = model.add(
      new Conv2D({
        filters: 3,
        kernelSize: [3, 3],
        strides: [2, 2],
        padding: 'same',
        dataFormat: 'channelsFirst',
        activation: 'relu',
      }),
      image,
    );
    // axis -1 (the W axis here): tfjs 4.22's batchNorm op mis-broadcasts a [1, C, 1, 1] mean on
    // cpu and wasm (docs/tfjs-models.md), so a channel-axis BatchNorm cannot be checked against it.
    const bn = model.add(new BatchNormalization({ axis: -1 }), c);
    const flat = model.add(new Flatten(), bn);
    const r = model.add(new LSTM({ units: 4, recurrentActivation: 'sigmoid' }), seq);
    const cat = model.add(new Concatenate({ axis: -1 }), [flat, r]);
    model.output(model.add(new Dense({ units: 2, activation: 'softmax' }), cat));
    model.build();
    const weights = record(model, perturbed(model));
    const x = { data: values(2 * 72, 1), shape: [2, 2, 6, 6] };
    const s = { data: values(2 * 12, 2), shape: [2, 4, 3] };
    const ours = reptilePredict(model, weights, { image: x, seq: s });

    const dir = temp.folder();
    await exportTfjsModel(dir, model.getConfig(), weights);
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    expect(maxAbsDiff(tfjsPredict(loaded, [x, s]), ours)).toBeLessThan(1e-5);
    loaded.dispose();
  });

  it('a built Sequential config exports as a chain from an input named "input"', async () => {
    const model = new Sequential([new Dense({ units: 3, activation: 'tanh' }), new Dense({ units: 1 })]);
    model.build([4]);
    const weights = record(model, perturbed(model));
    const dir = temp.folder();
    await exportTfjsModel(dir, model.getConfig(), weights);
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    const x = { data: values(8, 3), shape: [2, 4] };
    const ours = model.apply(
      model.weights.map((w) => weights[w.path]!),
      Tensor.fromData(x.data, x.shape),
      {
        training: false,
        uniform: () => {
          throw new Error('no noise in inference');
        },
      },
    );
    expect(maxAbsDiff(tfjsPredict(loaded, [x]), ours.data())).toBeLessThan(1e-6);
    expect(loaded.inputs[0]!.name).toMatch(/^input/);
    loaded.dispose();
  });
});

describe('exportTfjsModel refuses what tfjs-layers cannot load, before writing anything', () => {
  const dense = (extra: Record<string, unknown> = {}) => ({
    className: 'Functional',
    name: 'm',
    inputs: [{ name: 'x', shape: [2], dtype: 'float32' }],
    layers: [{ className: 'Dense', config: { name: 'd', units: 1, ...extra }, inbound: ['x'] }],
    outputs: ['d'],
  });
  const w = { 'd/kernel': Tensor.fromData([1, 2], [2, 1]), 'd/bias': Tensor.fromData([0], [1]) };

  it('a missing weight, an extra weight, a float64 weight', async () => {
    expect(await refusal(exportTfjsModel(temp.folder(), dense(), { 'd/kernel': w['d/kernel'] }))).toContain(
      "weight 'd/bias' is missing",
    );
    expect(
      await refusal(exportTfjsModel(temp.folder(), dense(), { ...w, 'e/kernel': w['d/bias'] })),
    ).toContain("weights 'e/kernel' belong to no layer");
    expect(
      await refusal(
        exportTfjsModel(temp.folder(), dense(), { ...w, 'd/bias': Tensor.fromData([0], [1], 'float64') }),
      ),
    ).toContain("weight 'd/bias' is float64");
  });

  it('options without a tfjs equivalent', async () => {
    expect(await refusal(exportTfjsModel(temp.folder(), dense({ activation: 'leakyRelu' }), w))).toContain(
      'layer \'d\' (Dense).activation: activation "leakyRelu" has no tfjs-layers equivalent',
    );
    const conv = (extra: Record<string, unknown>) => ({
      ...dense(),
      inputs: [{ name: 'x', shape: [4, 4, 2], dtype: 'float32' }],
      layers: [
        {
          className: 'Conv2D',
          config: { name: 'd', filters: 2, kernelSize: [1, 1], ...extra },
          inbound: ['x'],
        },
      ],
    });
    expect(await refusal(exportTfjsModel(temp.folder(), conv({ groups: 2 }), w))).toContain(
      '(Conv2D).groups',
    );
    expect(
      await refusal(
        exportTfjsModel(
          temp.folder(),
          conv({
            padding: [
              [1, 0],
              [0, 1],
            ],
          }),
          w,
        ),
      ),
    ).toContain('(Conv2D).padding');
    expect(
      await refusal(
        exportTfjsModel(
          temp.folder(),
          { ...dense(), layers: [{ className: 'Mystery', config: { name: 'd' }, inbound: ['x'] }] },
          w,
        ),
      ),
    ).toContain('layer class Mystery has no tfjs-layers mapping');
  });

  it('a refused export leaves the previous model in the folder untouched', async () => {
    const dir = temp.folder();
    await exportTfjsModel(dir, dense(), w);
    const before = (await readdir(dir)).sort();
    await refusal(exportTfjsModel(dir, dense(), { 'd/kernel': w['d/kernel'] }));
    expect((await readdir(dir)).sort()).toEqual(before);
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    expect([...loaded.getWeights()[0]!.dataSync()]).toEqual([1, 2]);
    loaded.dispose();
  });
});
