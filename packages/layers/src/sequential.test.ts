import { grad, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { Activation } from './activation-layer.ts';
import { eagerTrainingContext, INFERENCE } from './context.ts';
import { Dense } from './dense.ts';
import { Dropout } from './dropout.ts';
import { Flatten } from './flatten.ts';
import { Random } from './random.ts';
import { Sequential } from './sequential.ts';
import { loadWeights, saveWeights } from './weights-io.ts';

function mlp(): Sequential {
  return new Sequential([
    new Flatten(),
    new Dense({ units: 3, activation: 'relu' }),
    new Dropout({ rate: 0.5 }),
    new Dense({ units: 2, activation: 'softmax' }),
  ]);
}

describe('Sequential', () => {
  it('names layers per class and weights by path', () => {
    const model = mlp();
    expect(model.layers.map((l) => l.name)).toEqual(['flatten_1', 'dense_1', 'dropout_1', 'dense_2']);
    model.build([2, 2]);
    expect(model.weights.map((w) => `${w.path}:${w.shape}`)).toEqual([
      'dense_1/kernel:4,3',
      'dense_1/bias:3',
      'dense_2/kernel:3,2',
      'dense_2/bias:2',
    ]);
    expect(model.outputShape).toEqual([2]);
  });

  it('keeps explicit names and refuses duplicates', () => {
    const model = new Sequential([new Dense({ units: 1, name: 'head' })]);
    model.add(new Dense({ units: 1 }));
    expect(model.layers.map((l) => l.name)).toEqual(['head', 'dense_2']);
    expect(() => model.add(new Dense({ units: 1, name: 'head' }))).toThrow(/duplicate layer name 'head'/);
  });

  it('initialises deterministically, each weight from its own path', () => {
    const a = mlp();
    a.build([4]);
    const b = mlp();
    b.build([4]);
    const wa = a.initWeights(1).map((t) => t.toArray());
    expect(b.initWeights(1).map((t) => t.toArray())).toEqual(wa);
    expect(a.initWeights(2)[0]!.toArray()).not.toEqual(wa[0]);
    // a wider first layer leaves the second layer's bias stream untouched (zeros anyway) and its
    // kernel's stream too, since the stream depends on the path only
    expect(wa[1]).toEqual([0, 0, 0]);
  });

  it('applies the layers in order and can stop at the logits', () => {
    const model = new Sequential([
      new Dense({ units: 2, dtype: 'float64' }),
      new Activation({ activation: 'softmax' }),
    ]);
    model.build([1]);
    const w = [Tensor.fromData([0, Math.log(3)], [1, 2], 'float64'), Tensor.fromData([0, 0], [2], 'float64')];
    const x = Tensor.fromData([1], [1, 1], 'float64');
    const p = model.apply(w, x, INFERENCE).toArray();
    expect(p[0]).toBeCloseTo(0.25, 14);
    expect(p[1]).toBeCloseTo(0.75, 14);
    expect(model.outputActivation).toBe('softmax');
    const logits = model.apply(w, x, INFERENCE, { logits: true }).toArray();
    expect(logits[1]).toBeCloseTo(Math.log(3), 14);
  });

  it('differentiates through the whole stack (float64 finite differences)', () => {
    const model = new Sequential([
      new Dense({ units: 3, activation: 'tanh', dtype: 'float64' }),
      new Dense({ units: 1, dtype: 'float64' }),
    ]);
    model.build([2]);
    const weights = model.initWeights(4);
    const x = Tensor.fromData([0.3, -0.7, 1.1, 0.2], [2, 2], 'float64');
    const f = (ws: readonly Tensor[]) => model.apply(ws, x, INFERENCE).square().sum();
    const grads = grad(f(weights), weights);
    const h = 1e-6;
    weights.forEach((w, k) => {
      const base = w.toArray();
      base.forEach((_, i) => {
        const bump = (d: number) => {
          const v = [...base];
          v[i] = v[i]! + d;
          const ws = [...weights];
          ws[k] = Tensor.fromData(v, w.shape, 'float64');
          return f(ws).item();
        };
        expect(grads[k]!.toArray()[i]!).toBeCloseTo((bump(h) - bump(-h)) / (2 * h), 6);
      });
    });
  });

  it('rejects inputs of the wrong shape, naming both shapes', () => {
    const model = mlp();
    model.build([4]);
    const w = model.initWeights(0);
    expect(() => model.apply(w, Tensor.zeros([2, 5]), INFERENCE)).toThrow(
      /expected inputs \[batch, 4\], got \[2, 5\]/,
    );
  });

  it('uses dropout noise only in training mode', () => {
    const model = mlp();
    model.build([4]);
    const w = model.initWeights(0);
    const x = Tensor.fromData([1, 2, 3, 4], [1, 4]);
    const a = model.apply(w, x, INFERENCE).toArray();
    expect(model.apply(w, x, INFERENCE).toArray()).toEqual(a);
    const train = Array.from({ length: 8 }, (_, s) =>
      model
        .apply(w, x, eagerTrainingContext(new Random(s)))
        .toArray()
        .join(','),
    );
    expect(new Set(train).size).toBeGreaterThan(1);
  });

  it('round-trips its config and weights', () => {
    const model = mlp();
    model.build([4]);
    const w = model.initWeights(7);
    const copy = Sequential.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
    expect(copy.getConfig()).toEqual(model.getConfig());
    const saved = JSON.parse(JSON.stringify(saveWeights(model.weights, w)));
    const loaded = loadWeights(saved, copy.weights);
    expect(loaded.map((t) => t.toArray())).toEqual(w.map((t) => t.toArray()));
  });

  it('refuses weights of another model by name', () => {
    const model = mlp();
    model.build([4]);
    const other = new Sequential([new Dense({ units: 3, name: 'x' })]);
    other.build([4]);
    const saved = saveWeights(other.weights, other.initWeights(0));
    expect(() => loadWeights(saved, model.weights)).toThrow(/unexpected weight 'x\/kernel'/);
    const short = saveWeights(model.weights.slice(0, 1), model.initWeights(0).slice(0, 1));
    expect(() => loadWeights(short, model.weights)).toThrow(/dense_1\/bias.*is missing/);
  });

  it('rejects unknown layer classes when loading a config', () => {
    expect(() =>
      Sequential.fromConfig({ className: 'Sequential', layers: [{ className: 'Conv9D' }] }),
    ).toThrow(/model.layers\[0\].className: unknown layer class "Conv9D"/);
  });

  it('converts to an equivalent Functional graph with the same weight list', () => {
    const model = mlp();
    model.build([2, 2]);
    const graph = model.toFunctional();
    expect(graph.inputs).toEqual([{ name: 'input', shape: [2, 2], dtype: 'float32' }]);
    expect(graph.outputNames).toEqual(['dense_2']);
    expect(graph.nodes.map((n) => `${n.layer.name}<-${n.inbound}`)).toEqual([
      'flatten_1<-input',
      'dense_1<-flatten_1',
      'dropout_1<-dense_1',
      'dense_2<-dropout_1',
    ]);
    expect(graph.weights).toEqual(model.weights);
    expect(graph.outputActivation).toBe('softmax');
    const w = model.initWeights(3);
    expect(graph.initWeights(3).map((t) => t.toArray())).toEqual(w.map((t) => t.toArray()));
    const x = Tensor.fromData([1, -2, 3, 0.5, -1, 0, 2, 4], [2, 2, 2]);
    expect(graph.apply(w, x, INFERENCE).toArray()).toEqual(model.apply(w, x, INFERENCE).toArray());
    const logits = { logits: true };
    expect(graph.apply(w, x, INFERENCE, logits).toArray()).toEqual(
      model.apply(w, x, INFERENCE, logits).toArray(),
    );
    // the same noise stream gives the same dropout masks in training
    const train = (m: { apply: Sequential['apply'] }) =>
      m.apply(w, x, eagerTrainingContext(new Random(9))).toArray();
    expect(train(graph)).toEqual(train(model));
  });

  it('picks a free input name for toFunctional and needs a built model', () => {
    const model = new Sequential([new Dense({ units: 1, name: 'input' })]);
    expect(() => model.toFunctional()).toThrow(/not built yet/);
    model.build([3]);
    expect(model.toFunctional().inputs[0]!.name).toBe('input_1');
    expect(model.toFunctional({ inputName: 'features' }).inputs[0]!.name).toBe('features');
  });

  it('summarises layers and parameter counts', () => {
    const model = mlp();
    model.build([4]);
    const text = model.summary();
    expect(text).toContain('dense_1');
    expect(text).toContain('total params: 23'); // 4·3 + 3 + 3·2 + 2
  });
});
