import { grad, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { Activation } from '../activation-layer.ts';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Embedding } from '../embedding.ts';
import { Flatten } from '../flatten.ts';
import { Functional } from './functional.ts';
import { Add, Concatenate } from './merge.ts';

const f64 = (data: number[], shape: number[]) => Tensor.fromData(data, shape, 'float64');

/** x → relu(x·K + b) + x, K = [[1, 2], [3, 4]], b = [0.5, -0.5]. */
function residual(): Functional {
  const model = new Functional({ name: 'res' });
  const x = model.input('x', [2], 'float64');
  const h = model.add(new Dense({ units: 2, activation: 'relu', dtype: 'float64', name: 'fc' }), x);
  model.output(model.add(new Add({ name: 'sum' }), [h, x]));
  return model;
}
const residualWeights = () => [f64([1, 2, 3, 4], [2, 2]), f64([0.5, -0.5], [2])];

describe('Functional', () => {
  it('computes a residual block (Dense → Add with the skip)', () => {
    const model = residual();
    expect(model.weights.map((w) => `${w.path}:${w.shape}`)).toEqual(['fc/kernel:2,2', 'fc/bias:2']);
    expect(model.outputShape).toEqual([2]);
    // [1, -1]: relu([1 − 3 + 0.5, 2 − 4 − 0.5]) = [0, 0], plus x → [1, −1]
    // [2, 1]: relu([2 + 3 + 0.5, 4 + 4 − 0.5]) = [5.5, 7.5], plus x → [7.5, 8.5]
    const y = model.apply(residualWeights(), f64([1, -1, 2, 1], [2, 2]), INFERENCE);
    expect(y.toArray()).toEqual([1, -1, 7.5, 8.5]);
  });

  it('takes two named inputs through Concatenate and can stop at the logits', () => {
    const model = new Functional();
    const a = model.input('a', [2], 'float64');
    const b = model.input('b', [1], 'float64');
    const cat = model.add(new Concatenate(), [a, b]);
    model.output(
      model.add(new Dense({ units: 1, activation: 'sigmoid', dtype: 'float64', name: 'head' }), cat),
    );
    expect(model.layers.map((l) => l.name)).toEqual(['concatenate_1', 'head']);
    expect(model.shapeOf('concatenate_1')).toEqual([3]);
    const w = [f64([0.1, 0.2, -0.3], [3, 1]), f64([0], [1])];
    const inputs = { a: f64([1, 2], [1, 2]), b: f64([3], [1, 1]) };
    const z = 0.1 * 1 + 0.2 * 2 - 0.3 * 3;
    expect(model.apply(w, inputs, INFERENCE).item()).toBeCloseTo(1 / (1 + Math.exp(-z)), 14);
    expect(model.outputActivation).toBe('sigmoid');
    expect(model.apply(w, inputs, INFERENCE, { logits: true }).item()).toBeCloseTo(z, 14);
  });

  it('returns several outputs by name; logits stop each output layer, consumers see activations', () => {
    const model = new Functional();
    const x = model.input('x', [3], 'float64');
    const trunk = model.add(new Dense({ units: 2, activation: 'relu', dtype: 'float64', name: 'trunk' }), x);
    const cls = model.add(
      new Dense({ units: 2, activation: 'softmax', dtype: 'float64', name: 'cls' }),
      trunk,
    );
    const reg = model.add(new Dense({ units: 1, dtype: 'float64', name: 'reg' }), trunk);
    model.output(cls).output(reg).output(trunk);
    const w = [
      f64([1, 0, 0, 1, -1, -1], [3, 2]),
      f64([0, 2], [2]),
      f64([1, 2, 3, 4], [2, 2]),
      f64([0, 0], [2]),
      f64([1, 1], [2, 1]),
      f64([0.5], [1]),
    ];
    const input = f64([1, 2, 3], [1, 3]);
    // trunk: relu([1 − 3, 2 − 3 + 2]) = relu([−2, 1]) = [0, 1]; cls logits [0, 1]·K = [3, 4]
    const out = model.applyNamed(w, input, INFERENCE);
    expect(Object.keys(out)).toEqual(['cls', 'reg', 'trunk']);
    const e = Math.E;
    expect(out.cls!.toArray()[0]).toBeCloseTo(1 / (1 + e), 14);
    expect(out.cls!.toArray()[1]).toBeCloseTo(e / (1 + e), 14);
    expect(out.reg!.toArray()).toEqual([1.5]);
    expect(out.trunk!.toArray()).toEqual([0, 1]);
    const logits = model.applyNamed(w, input, INFERENCE, { logits: true });
    expect(logits.cls!.toArray()).toEqual([3, 4]);
    expect(logits.trunk!.toArray()).toEqual([-2, 1]);
    expect(logits.reg!.toArray()).toEqual([1.5]);
    expect(model.outputActivations).toEqual({ cls: 'softmax', reg: undefined, trunk: 'relu' });
    expect(() => model.apply(w, input, INFERENCE)).toThrow(/has 3 outputs, not one.*use applyNamed/);
    expect(() => model.outputActivation).toThrow(/has 3 outputs/);
  });

  it('differentiates through the DAG (float64 finite differences)', () => {
    const model = new Functional();
    const a = model.input('a', [2], 'float64');
    const b = model.input('b', [2], 'float64');
    const d1 = model.add(new Dense({ units: 3, activation: 'tanh', dtype: 'float64' }), a);
    const d2 = model.add(
      new Dense({ units: 3, activation: 'sigmoid', dtype: 'float64', biasInitializer: 'ones' }),
      b,
    );
    const s = model.add(new Add(), [d1, d2]);
    const c = model.add(new Concatenate(), [s, a]);
    model.output(model.add(new Dense({ units: 2, dtype: 'float64' }), c)).output(s);
    const weights = model.initWeights(3);
    expect(weights.length).toBe(6);
    const inputs = { a: f64([0.3, -0.7, 1.1, 0.2], [2, 2]), b: f64([-0.4, 0.9, 0.5, -1.3], [2, 2]) };
    const loss = (ws: readonly Tensor[]) => {
      const out = model.applyNamed(ws, inputs, INFERENCE);
      return out.dense_3!.square().sum().add(out.add_1!.mul(out.add_1!).mul(0.5).sum());
    };
    const grads = grad(loss(weights), weights);
    const h = 1e-6;
    let checked = 0;
    weights.forEach((w, k) => {
      const base = w.toArray();
      base.forEach((_, i) => {
        const bump = (d: number) => {
          const v = [...base];
          v[i] = v[i]! + d;
          const ws = [...weights];
          ws[k] = Tensor.fromData(v, w.shape, 'float64');
          return loss(ws).item();
        };
        expect(grads[k]!.toArray()[i]!).toBeCloseTo((bump(h) - bump(-h)) / (2 * h), 6);
        checked++;
      });
    });
    expect(checked).toBe(2 * 3 + 3 + 2 * 3 + 3 + 5 * 2 + 2);
  });

  it('summarises values, inbound names and parameter counts', () => {
    const model = residual();
    model.build();
    const text = model.summary();
    expect(text).toMatch(/fc\s+Dense\s+x\s+\[batch, 2\]\s+6/);
    expect(text).toMatch(/sum\s+Add\s+fc, x\s+\[batch, 2\]\s+0/);
    expect(text).toContain('total params: 6');
  });

  it('accepts an Activation layer and builds lazily from the declared shapes', () => {
    const model = new Functional();
    model.output(model.add(new Activation({ activation: 'relu' }), model.input('x', [2, 2])));
    expect(model.built).toBe(false);
    expect(model.weights).toEqual([]);
    expect(model.built).toBe(true);
    expect(model.apply([], Tensor.fromData([-1, 2, -3, 4], [1, 2, 2]), INFERENCE).toArray()).toEqual([
      0, 2, 0, 4,
    ]);
  });
});

describe('Functional errors', () => {
  it('refuses unknown inbound names, listing the known values', () => {
    const model = new Functional();
    model.input('x', [2]);
    expect(() => model.add(new Dense({ units: 1, name: 'fc' }), 'y')).toThrow(
      /layer 'fc': unknown inbound 'y' — known values: x; inputs and layers must come before/,
    );
  });

  it('refuses duplicate names across inputs and layers', () => {
    const model = new Functional();
    model.input('x', [2]);
    expect(() => model.input('x', [3])).toThrow(/duplicate name 'x'/);
    expect(() => model.add(new Dense({ units: 1, name: 'x' }), 'x')).toThrow(/duplicate name 'x'/);
    expect(() => model.input('2x', [3])).toThrow(/name '2x' is not allowed/);
  });

  it('refuses a layer used twice (shared layers are not supported)', () => {
    const model = new Functional();
    const x = model.input('x', [2]);
    const dense = new Dense({ units: 2 });
    const h = model.add(dense, x);
    expect(() => model.add(dense, h)).toThrow(
      /layer 'dense_1' is already used in this model — shared layers are not supported/,
    );
  });

  it('refuses wrong arities', () => {
    const model = new Functional();
    const x = model.input('x', [2]);
    const y = model.input('y', [2]);
    expect(() => model.add(new Dense({ units: 1 }), [x, y])).toThrow(
      /takes exactly 1 inbound value, got 2 \(x, y\).*Add or Concatenate/,
    );
    expect(() => model.add(new Add(), [x])).toThrow(/Add needs at least 2 inbound values, got 1/);
  });

  it('refuses outputs that no input or layer produces, and models without inputs or outputs', () => {
    const model = new Functional();
    expect(() => model.build()).toThrow(/has no inputs/);
    model.input('x', [2]);
    expect(() => model.output('nope')).toThrow(/'nope' is not produced by any input or layer/);
    expect(() => model.build()).toThrow(/has no outputs/);
  });

  it('refuses changes after building', () => {
    const model = residual();
    model.build();
    expect(() => model.add(new Dense({ units: 1 }), 'x')).toThrow(/cannot change a built model/);
  });

  it('propagates shape errors from merge layers at build time', () => {
    const model = new Functional();
    const x = model.input('x', [2]);
    const h = model.add(new Dense({ units: 3 }), x);
    model.output(model.add(new Add({ name: 'skip' }), [h, x]));
    expect(() => model.build()).toThrow(
      /layer 'skip': input 1 has shape \[2\] per sample but input 0 has \[3\]/,
    );
  });

  it('names the input with a wrong shape, dtype or batch, and missing or unknown inputs', () => {
    const model = new Functional();
    const a = model.input('a', [2]);
    const b = model.input('b', [2]);
    model.output(model.add(new Add(), [a, b]));
    const ok = Tensor.zeros([3, 2]);
    expect(() => model.apply([], { a: ok, b: Tensor.zeros([3, 4]) }, INFERENCE)).toThrow(
      /input 'b': expected \[batch, 2\], got \[3, 4\]/,
    );
    expect(() => model.apply([], { a: ok, b: Tensor.zeros([3, 2], 'float64') }, INFERENCE)).toThrow(
      /input 'b': expected dtype float32, got float64/,
    );
    expect(() => model.apply([], { a: ok, b: Tensor.zeros([2, 2]) }, INFERENCE)).toThrow(
      /input 'b': has batch size 2 but input 'a' has 3/,
    );
    expect(() => model.apply([], { a: ok }, INFERENCE)).toThrow(/input 'b': is missing/);
    expect(() => model.apply([], { a: ok, b: ok, c: ok }, INFERENCE)).toThrow(/unknown input 'c'/);
    expect(() => model.apply([], ok, INFERENCE)).toThrow(/got one tensor for 2 inputs \(a, b\)/);
    expect(() => model.apply([ok], { a: ok, b: ok }, INFERENCE)).toThrow(/got 1 weights for 0/);
  });
});

describe('Functional README example', () => {
  it('runs as written', () => {
    const model = new Functional({ name: 'two_towers' });
    const image = model.input('image', [16]);
    const meta = model.input('meta', [3]);
    const h = model.add(new Dense({ units: 16, activation: 'relu' }), image);
    const res = model.add(new Add(), [h, image]);
    const joined = model.add(new Concatenate(), [res, meta]);
    const cls = model.add(new Dense({ units: 10, activation: 'softmax', name: 'cls' }), joined);
    const reg = model.add(new Dense({ units: 1, name: 'reg' }), joined);
    model.output(cls).output(reg);
    expect([h, res, joined]).toEqual(['dense_1', 'add_1', 'concatenate_1']);
    const weights = model.initWeights(0);
    const batch = { image: Tensor.zeros([8, 16]), meta: Tensor.zeros([8, 3]) };
    const { cls: probs, reg: value } = model.applyNamed(weights, batch, INFERENCE);
    expect(probs!.shape).toEqual([8, 10]);
    expect(value!.shape).toEqual([8, 1]);
    // zero inputs and zero biases: every logit is 0, so softmax is uniform
    expect(probs!.toArray().every((p) => Math.abs(p - 0.1) < 1e-7)).toBe(true);
    expect(value!.toArray()).toEqual(new Array(8).fill(0));
  });
});

describe('Functional with int32 inputs', () => {
  it('feeds token ids to an Embedding and refuses float ids for an int32 input', () => {
    const model = new Functional();
    const ids = model.input('ids', [2], 'int32');
    const emb = model.add(new Embedding({ inputDim: 3, outputDim: 2, dtype: 'float64', name: 'emb' }), ids);
    model.output(model.add(new Flatten({ name: 'flat' }), emb));
    const table = f64([0, 1, 10, 11, 20, 21], [3, 2]);
    const y = model.apply([table], Tensor.fromData([2, 0], [1, 2], 'int32'), INFERENCE);
    // row 2 then row 0 of the table
    expect(y.toArray()).toEqual([20, 21, 0, 1]);
    expect(model.getConfig().inputs).toEqual([{ name: 'ids', shape: [2], dtype: 'int32' }]);
    expect(() => model.apply([table], Tensor.fromData([2, 0], [1, 2]), INFERENCE)).toThrow(
      /input 'ids': expected dtype int32, got float32 — convert it with .cast\('int32'\)/,
    );
  });
});
