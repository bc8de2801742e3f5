import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Functional } from '../../../../packages/layers/src/graph/functional.ts';
import { Concatenate } from '../../../../packages/layers/src/graph/merge.ts';
import { Activation, Dense, Dropout, INFERENCE, Sequential } from '../../../../packages/layers/src/index.ts';
import { grad, ReptileError, Tensor } from '../core.ts';
import { exportTorchScript, torchScriptModelBytes } from './export.ts';
import { readTorchScriptModel } from './import.ts';
import { type LoadedModel, loadInTorch, maxAbsDiff, uniformData } from './torch-oracle.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-torch-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mlp(): Sequential {
  const model = new Sequential([
    new Dense({ units: 6, activation: 'relu' }),
    new Dropout({ rate: 0.5 }),
    new Activation({ activation: 'tanh' }),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
  model.build([5]);
  return model;
}

const PY = { timeout: 180_000 }; // each case starts Python and imports torch

describe('exportTorchScript: an MLP in stock PyTorch', () => {
  const model = mlp();
  const weights = model.initWeights(7);
  const path = join(dir, 'mlp.pt');
  // 7 rows: one full chunk of 4 and a zero-padded chunk of 3; then an empty batch
  const x = uniformData(7 * 5, 1);
  const cotangent = uniformData(7 * 3, 6);
  let got: LoadedModel;
  beforeAll(async () => {
    await exportTorchScript(path, model, weights, { batchSize: 4 });
    got = loadInTorch(
      path,
      [[{ dtype: 'float32', shape: [7, 5], values: x }], [{ dtype: 'float32', shape: [0, 5], values: [] }]],
      cotangent,
    );
  }, PY.timeout);

  it('writes atomically (no temporary file left)', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('runs any batch size and matches Reptile within 1e-5', () => {
    const want = model.apply(weights, Tensor.fromData(x, [7, 5]), INFERENCE).data();
    expect(got.runs[0]![0]!.shape).toEqual([7, 3]);
    expect(maxAbsDiff(got.runs[0]![0]!.values, want)).toBeLessThanOrEqual(1e-5);
    expect(got.runs[1]![0]).toEqual({ shape: [0, 3], values: [] });
  });

  it('has the weights as named parameters with exactly the Reptile values', () => {
    expect(got.parameters.map((p) => p.name)).toEqual([
      'dense_1.kernel',
      'dense_1.bias',
      'dense_2.kernel',
      'dense_2.bias',
    ]);
    got.parameters.forEach((p, i) => {
      expect(p.shape).toEqual(model.weights[i]!.shape);
      expect(p.values).toEqual(Array.from(weights[i]!.data()));
      expect(p.requiresGrad).toBe(true);
      expect(p.dtype).toBe('torch.float32');
    });
    expect(got.stateDict).toEqual(['dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias']);
  });

  it('lets torch autograd reach the parameters, with Reptile gradients', () => {
    const y = model.apply(weights, Tensor.fromData(x, [7, 5]), INFERENCE);
    const want = grad(y.mul(Tensor.fromData(cotangent, [7, 3])).sum(), weights);
    expect(got.grads).toHaveLength(4);
    got.grads.forEach((g, i) => {
      expect(maxAbsDiff(g, want[i]!.data())).toBeLessThanOrEqual(1e-5);
    });
  });

  it('embeds the config, read back through torch.jit.load(..., _extra_files=...)', () => {
    expect(JSON.parse(got.extra).model).toEqual(model.getConfig());
  });
});

describe('exportTorchScript', () => {
  it('imports its own export back with the identical config and bit-identical weights', () => {
    const model = mlp();
    const weights = model.initWeights(5);
    const imported = readTorchScriptModel(torchScriptModelBytes(model, weights));
    expect(imported.config).toEqual(model.getConfig());
    expect(imported.paths).toEqual(model.weights.map((w) => w.path));
    expect(imported.torchNames).toEqual(['dense_1.kernel', 'dense_1.bias', 'dense_2.kernel', 'dense_2.bias']);
    imported.weights.forEach((w, i) => {
      expect(w.dtype).toBe(weights[i]!.dtype);
      expect(w.shape).toEqual(weights[i]!.shape);
      expect(new Uint8Array(w.data().buffer)).toEqual(new Uint8Array(weights[i]!.data().buffer));
    });
    // and the config rebuilds a model computing the same function
    const rebuilt = Sequential.fromConfig(imported.config);
    const x = Tensor.fromData(uniformData(10, 9), [2, 5]);
    expect(rebuilt.apply(imported.weights, x, INFERENCE).data()).toEqual(
      model.apply(weights, x, INFERENCE).data(),
    );
  });

  it('imports a Functional export back: multi-input config and weights rebuild the same model', () => {
    const model = new Functional({ name: 'pair' });
    const a = model.input('a', [2]);
    const b = model.input('b', [3]);
    const h = model.add(new Dense({ units: 2, name: 'proj' }), b);
    model.output(model.add(new Concatenate({ name: 'joined' }), [a, h]));
    model.build();
    const weights = model.initWeights(8);
    const imported = readTorchScriptModel(torchScriptModelBytes(model, weights));
    expect(imported.config).toEqual(model.getConfig());
    const rebuilt = Functional.fromConfig(imported.config);
    const inputs = {
      a: Tensor.fromData(uniformData(4, 1), [2, 2]),
      b: Tensor.fromData(uniformData(6, 2), [2, 3]),
    };
    expect(rebuilt.apply(imported.weights, inputs, INFERENCE).data()).toEqual(
      model.apply(weights, inputs, INFERENCE).data(),
    );
  });

  it('refuses bad batch sizes, wrong weights, unbuilt models and odd file names', async () => {
    const model = mlp();
    const weights = model.initWeights(1);
    expect(() => torchScriptModelBytes(model, weights, { batchSize: 0 })).toThrow(
      /batchSize 0 must be a positive integer/,
    );
    expect(() => torchScriptModelBytes(model, weights.slice(1))).toThrow(/got 3 weight values for 4 weights/);
    const wrong = [Tensor.zeros([6, 5]), ...weights.slice(1)];
    expect(() => torchScriptModelBytes(model, wrong)).toThrow(
      /weights\[0\] \('dense_1\/kernel'\): is float32\[6,5\], the model needs float32\[5,6\]/,
    );
    const unbuilt = new Sequential([new Dense({ units: 2 })]);
    expect(() => torchScriptModelBytes(unbuilt, [])).toThrow(ReptileError);
    expect(() => torchScriptModelBytes(unbuilt, [])).toThrow(/not built/);
    await expect(exportTorchScript(join(dir, 'model.onnx'), model, weights)).rejects.toThrow(
      /should end in \.pt/,
    );
    expect(readdirSync(dir).includes('model.onnx')).toBe(false);
    const graph = new Functional({ name: 'g' });
    graph.output(graph.add(new Dense({ units: 1 }), graph.input('ids', [3], 'int32')));
    expect(() => torchScriptModelBytes(graph, graph.initWeights(1), { inputDtype: 'int32' })).toThrow(
      /options\.inputDtype: inputDtype applies to Sequential models/,
    );
  });

  it('writes the same bytes for the same model (deterministic archive)', () => {
    const model = mlp();
    const weights = model.initWeights(2);
    const a = torchScriptModelBytes(model, weights);
    expect(torchScriptModelBytes(model, weights)).toEqual(a);
  });
});
