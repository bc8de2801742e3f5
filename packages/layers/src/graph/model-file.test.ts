import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '@reptile/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Sequential } from '../sequential.ts';
import { Functional } from './functional.ts';
import { Add } from './merge.ts';
import { loadModel, modelFromConfig, parseJson, saveModel } from './model-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reptile-model-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function residual(): Functional {
  const model = new Functional();
  const x = model.input('x', [3]);
  const h = model.add(new Dense({ units: 3, activation: 'relu' }), x);
  model.output(model.add(new Add(), [h, x]));
  return model;
}

/** Values whose float32 bits are awkward: subnormal, −0, NaN, ±Infinity, a non-round fraction. */
const awkward = [
  1e-45,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1 / 3,
  -7.25,
  2 ** 100,
  0.1,
];

const bits = (t: Tensor) => Array.from(new Uint32Array(new Float32Array(t.data()).buffer));

describe('model file', () => {
  it('saves and loads a Functional model bit-exactly', async () => {
    const model = residual();
    const weights = [Tensor.fromData(awkward, [3, 3]), Tensor.fromData([0.5, -0, 1e-40], [3])];
    const path = join(dir, 'sub', 'net.reptile.json');
    await saveModel(path, model, weights);
    expect(await readdir(join(dir, 'sub'))).toEqual(['net.reptile.json']); // no temp file left
    const text = JSON.parse(await readFile(path, 'utf8'));
    expect(text.format).toBe('reptile.model');
    expect(text.version).toBe(1);
    expect(text.model.className).toBe('Functional');
    const loaded = await loadModel(path);
    expect(loaded.model).toBeInstanceOf(Functional);
    expect(loaded.model.getConfig()).toEqual(model.getConfig());
    expect(loaded.weights.map(bits)).toEqual(weights.map(bits));
    // −0 survives: 0x80000000
    expect(bits(loaded.weights[0]!)[1]).toBe(0x80000000);
  });

  it('saves and loads a Sequential model, and the loaded model computes the same', async () => {
    const model = new Sequential([new Dense({ units: 2, activation: 'tanh' }), new Dense({ units: 1 })]);
    model.build([3]);
    const weights = model.initWeights(5);
    const path = join(dir, 'seq.reptile.json');
    await saveModel(path, model, weights);
    await saveModel(path, model, weights); // overwriting goes through the same rename
    const loaded = await loadModel(path);
    expect(loaded.model).toBeInstanceOf(Sequential);
    expect(loaded.weights.map(bits)).toEqual(weights.map(bits));
    const x = Tensor.fromData([1, 2, 3], [1, 3]);
    const net = loaded.model as Sequential;
    expect(net.apply(loaded.weights, x, INFERENCE).toArray()).toEqual(
      model.apply(weights, x, INFERENCE).toArray(),
    );
  });

  it('reports malformed JSON with line and column', async () => {
    const path = join(dir, 'bad.reptile.json');
    await writeFile(path, '{\n  "format": "reptile.model",\n  "version": 1,,\n}');
    // line 3 is `  "version": 1,,`: the second comma is its 16th character
    await expect(loadModel(path)).rejects.toThrow(/bad\.reptile\.json:3:16: is not valid JSON/);
    expect(() => parseJson('{"a": [1, 2}', 'x')).toThrow(/x:1:12: is not valid JSON/);
    expect(() => parseJson('', 'x')).toThrow(/x: is not valid JSON/);
  });

  it('refuses a missing file, another format, another version and mismatched weights', async () => {
    await expect(loadModel(join(dir, 'none.json'))).rejects.toThrow(/none\.json: cannot read the model file/);
    const model = residual();
    const path = join(dir, 'm.reptile.json');
    await saveModel(path, model, model.initWeights(0));
    const file = JSON.parse(await readFile(path, 'utf8'));
    const write = (value: unknown) => writeFile(path, JSON.stringify(value));
    await write({ ...file, format: 'reptile.weights' });
    await expect(loadModel(path)).rejects.toThrow(
      /m\.reptile\.json\.format: format is "reptile.weights", expected "reptile.model"/,
    );
    await write({ ...file, version: 2 });
    await expect(loadModel(path)).rejects.toThrow(/version 2 is not supported/);
    const weights = { ...file.weights, weights: { ...file.weights.weights } };
    delete weights.weights['dense_1/bias'];
    await write({ ...file, weights });
    await expect(loadModel(path)).rejects.toThrow(
      /m\.reptile\.json\.weights\.weights\['dense_1\/bias'\]: is missing/,
    );
    const other = new Sequential([new Dense({ units: 3 })]);
    other.build([4]);
    await write({ ...file, model: other.getConfig() });
    await expect(loadModel(path)).rejects.toThrow(
      /dense_1\/kernel'\]: is float32\[3,3\], the model needs float32\[4,3\]/,
    );
  });

  it('refuses saving with the wrong number of weights', async () => {
    await expect(saveModel(join(dir, 'x.json'), residual(), [])).rejects.toThrow(/0 values for 2 weights/);
  });
});

describe('modelFromConfig', () => {
  it('dispatches on className', () => {
    const seq = new Sequential([new Dense({ units: 1 })]);
    seq.build([2]);
    expect(modelFromConfig(seq.getConfig())).toBeInstanceOf(Sequential);
    expect(modelFromConfig(residual().getConfig())).toBeInstanceOf(Functional);
    expect(() => modelFromConfig({ className: 'Graph' })).toThrow(
      /model.className: unknown model class "Graph" — model configs are Sequential or Functional/,
    );
  });
});
