import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Dropout } from '../dropout.ts';
import { LAYER_CLASSES } from '../registry.ts';
import { Functional } from './functional.ts';
import { Concatenate } from './merge.ts';

const dense = (name: string, inbound: string[], units = 2) => ({
  className: 'Dense',
  config: { name, units },
  inbound,
});

function config(layers: unknown[], outputs: unknown[] = ['out']) {
  return { className: 'Functional', name: 'm', inputs: [{ name: 'x', shape: [2] }], layers, outputs };
}

describe('Functional config', () => {
  it('reads the docs/models.md layout and builds from the declared input shapes', () => {
    const model = Functional.fromConfig({
      className: 'Functional',
      name: 'model',
      inputs: [{ name: 'image', shape: [1, 4, 4], dtype: 'float32' }],
      layers: [
        { className: 'Flatten', config: { name: 'flat' }, inbound: ['image'] },
        { className: 'Dense', config: { name: 'out', units: 10 }, inbound: ['flat'] },
      ],
      outputs: ['out'],
    });
    expect(model.built).toBe(true);
    expect(model.weights.map((w) => `${w.path}:${w.shape}`)).toEqual(['out/kernel:16,10', 'out/bias:10']);
    expect(model.outputShape).toEqual([10]);
  });

  it('reads the exact example of docs/models.md (Conv2D channelsFirst → Flatten → Dense)', () => {
    const model = Functional.fromConfig({
      className: 'Functional',
      name: 'model',
      inputs: [{ name: 'image', shape: [1, 28, 28], dtype: 'float32' }],
      layers: [
        {
          className: 'Conv2D',
          config: { name: 'conv', filters: 8, kernelSize: [3, 3], dataFormat: 'channelsFirst' },
          inbound: ['image'],
        },
        { className: 'Flatten', config: { name: 'flat' }, inbound: ['conv'] },
        { className: 'Dense', config: { name: 'out', units: 10 }, inbound: ['flat'] },
      ],
      outputs: ['out'],
    });
    // valid 3×3 convolution: 28 → 26 per side, 8 channels first
    expect(model.shapeOf('conv')).toEqual([8, 26, 26]);
    expect(model.shapeOf('flat')).toEqual([8 * 26 * 26]);
    expect(model.weights.map((w) => `${w.path}:${w.shape}`)).toEqual([
      'conv/kernel:3,3,1,8',
      'conv/bias:8',
      'out/kernel:5408,10',
      'out/bias:10',
    ]);
  });

  it('knows every layer class of docs/models.md', () => {
    const docs = [
      'Dense',
      'Conv2D',
      'MaxPool2D',
      'AvgPool2D',
      'GlobalAveragePooling2D',
      'GlobalMaxPooling2D',
      'Flatten',
      'Reshape',
      'Permute',
      'Dropout',
      'Activation',
      'BatchNormalization',
      'LayerNormalization',
      'Embedding',
      'LSTM',
      'GRU',
      'Add',
      'Concatenate',
    ];
    expect(docs.filter((c) => !LAYER_CLASSES.includes(c))).toEqual([]);
  });

  it('round-trips through JSON with identical weights and outputs', () => {
    const model = new Functional({ name: 'two' });
    const a = model.input('a', [3]);
    const b = model.input('b', [2], 'float32');
    const h = model.add(
      new Dense({ units: 2, activation: 'tanh', kernelRegularizer: { name: 'l2', l2: 0.01 } }),
      a,
    );
    const d = model.add(new Dropout({ rate: 0.25 }), h);
    const c = model.add(new Concatenate({ axis: -1, name: 'join' }), [d, b, h]);
    model.output(model.add(new Dense({ units: 1, activation: 'sigmoid' }), c)).output(h);
    const json = JSON.parse(JSON.stringify(model.getConfig()));
    expect(json.layers[2]).toEqual({
      className: 'Concatenate',
      config: { name: 'join', axis: -1 },
      inbound: ['dropout_1', 'b', 'dense_1'],
    });
    expect(json.inputs).toEqual([
      { name: 'a', shape: [3], dtype: 'float32' },
      { name: 'b', shape: [2], dtype: 'float32' },
    ]);
    const copy = Functional.fromConfig(json);
    expect(copy.getConfig()).toEqual(model.getConfig());
    expect(copy.weights).toEqual(model.weights);
    const w = model.initWeights(11);
    expect(copy.initWeights(11).map((t) => t.toArray())).toEqual(w.map((t) => t.toArray()));
    const inputs = {
      a: Tensor.fromData([1, -2, 0.5, 3, 0, -1], [2, 3]),
      b: Tensor.fromData([0.1, 0.2, 0.3, 0.4], [2, 2]),
    };
    const y = model.applyNamed(w, inputs, INFERENCE);
    const z = copy.applyNamed(w, inputs, INFERENCE);
    expect(Object.keys(z)).toEqual(['dense_2', 'dense_1']);
    expect(z.dense_2!.toArray()).toEqual(y.dense_2!.toArray());
    expect(z.dense_1!.toArray()).toEqual(y.dense_1!.toArray());
  });

  it('refuses a forward reference or a cycle, naming the path', () => {
    expect(() => Functional.fromConfig(config([dense('h', ['out']), dense('out', ['h'])]))).toThrow(
      /model.layers\[0\].inbound\[0\]: 'out' is defined later \(layers\[1\]\) — list layers in topological order/,
    );
    expect(() => Functional.fromConfig(config([dense('out', ['out'])]))).toThrow(
      /model.layers\[0\].inbound\[0\]: layer 'out' reads its own output — a model graph cannot have cycles/,
    );
  });

  it('refuses unknown inbound names and outputs, with their paths', () => {
    expect(() => Functional.fromConfig(config([dense('out', ['y'])]))).toThrow(
      /model.layers\[0\]: .*unknown inbound 'y' — known values: x/,
    );
    expect(() => Functional.fromConfig(config([dense('out', ['x'])], ['out', 'nope']))).toThrow(
      /model.outputs\[1\]: .*'nope' is not produced by any input or layer/,
    );
  });

  it('refuses duplicate names, naming both places', () => {
    expect(() => Functional.fromConfig(config([dense('x', ['x'])]))).toThrow(
      /model.layers\[0\].config.name: duplicate name 'x' \(also at model.inputs\[0\].name\)/,
    );
    expect(() => Functional.fromConfig(config([dense('out', ['x']), dense('out', ['x'])]))).toThrow(
      /model.layers\[1\].config.name: duplicate name 'out' \(also at model.layers\[0\].config.name\)/,
    );
  });

  it('refuses malformed configs field by field', () => {
    expect(() => Functional.fromConfig({ ...config([dense('out', ['x'])]), extra: 1 })).toThrow(/extra/);
    expect(() => Functional.fromConfig({ ...config([]), className: 'Sequential' })).toThrow(
      /model.className: expected className 'Functional'/,
    );
    expect(() => Functional.fromConfig({ ...config([dense('out', ['x'])]), inputs: [] })).toThrow(
      /model.inputs: expected a non-empty array of inputs/,
    );
    expect(() =>
      Functional.fromConfig({ ...config([dense('out', ['x'])]), inputs: [{ name: 'x', shape: [0] }] }),
    ).toThrow(/model.inputs\[0\].shape: expected per-sample dimensions/);
    expect(() =>
      Functional.fromConfig({
        ...config([dense('out', ['x'])]),
        inputs: [{ name: 'x', shape: [2], dtype: 'half' }],
      }),
    ).toThrow(/model.inputs\[0\].dtype: unknown dtype "half"/);
    expect(() =>
      Functional.fromConfig(config([{ className: 'Dense', config: { name: 'out', units: 2 } }])),
    ).toThrow(/model.layers\[0\].inbound: expected a non-empty array of value names/);
    expect(() =>
      Functional.fromConfig(config([{ className: 'Conv9D', config: { name: 'out' }, inbound: ['x'] }])),
    ).toThrow(/model.layers\[0\].className: unknown layer class "Conv9D"/);
  });
});
