import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Conv2D, MaxPool2D } from '../../../../packages/layers/src/conv/index.ts';
import { Embedding } from '../../../../packages/layers/src/embedding.ts';
import { Functional } from '../../../../packages/layers/src/graph/functional.ts';
import { Concatenate } from '../../../../packages/layers/src/graph/merge.ts';
import { Dense, Flatten, INFERENCE, Sequential } from '../../../../packages/layers/src/index.ts';
import { BatchNormalization } from '../../../../packages/layers/src/normalization/index.ts';
import { GRU, LSTM } from '../../../../packages/layers/src/recurrent/index.ts';
import { Tensor } from '../core.ts';
import { exportTorchScript } from './export.ts';
import { loadInTorch, maxAbsDiff, uniformData } from './torch-oracle.ts';

// Image, normalisation, sequence and graph models, run in stock PyTorch and compared with the
// reference frontend (measured: bit-identical outputs; the bound is the brief's 1e-5).
const dir = mkdtempSync(join(tmpdir(), 'reptile-torch-layers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PY = { timeout: 180_000 }; // each case starts Python and imports torch

describe('exportTorchScript: layers in stock PyTorch', () => {
  it(
    'exports a CNN (Conv2D, BatchNormalization, MaxPool2D, Flatten, Dense) matching Reptile within 1e-5',
    PY,
    async () => {
      const model = new Sequential([
        new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' }),
        new BatchNormalization({ name: 'bn' }),
        new MaxPool2D({ poolSize: [2, 2] }),
        new Flatten(),
        new Dense({ units: 5 }),
      ]);
      model.build([6, 6, 2]);
      // non-trivial statistics and affine terms, so inference-mode normalisation is really exercised
      const weights = model.initWeights(3).map((w, i) => {
        const path = model.weights[i]!.path;
        const u = uniformData(4, i + 20);
        if (path === 'bn/movingVariance')
          return Tensor.fromData(
            u.map((v) => 0.5 + v * v),
            [4],
          );
        if (path.startsWith('bn/')) return Tensor.fromData(u, [4]);
        return w;
      });
      const path = join(dir, 'cnn.pt');
      await exportTorchScript(path, model, weights, { batchSize: 2 });
      const x = uniformData(3 * 6 * 6 * 2, 5);
      const want = model.apply(weights, Tensor.fromData(x, [3, 6, 6, 2]), INFERENCE).data();
      const got = loadInTorch(path, [[{ dtype: 'float32', shape: [3, 6, 6, 2], values: x }]]);
      expect(got.runs[0]![0]!.shape).toEqual([3, 5]);
      expect(maxAbsDiff(got.runs[0]![0]!.values, want)).toBeLessThanOrEqual(1e-5);
      // trainable weights are parameters; BatchNorm moving statistics are buffers (as in torch.nn)
      expect(got.parameters.map((p) => `${p.name}:${p.shape}`)).toEqual([
        'conv.kernel:3,3,2,4',
        'conv.bias:4',
        'bn.gamma:4',
        'bn.beta:4',
        'dense_1.kernel:36,5',
        'dense_1.bias:5',
      ]);
      expect(got.stateDict.filter((k) => !/^k[0-9]+$/.test(k))).toEqual([
        'conv.kernel',
        'conv.bias',
        'bn.gamma',
        'bn.beta',
        'bn.movingMean',
        'bn.movingVariance',
        'dense_1.kernel',
        'dense_1.bias',
      ]);
    },
  );

  it(
    'exports a sequence model (Embedding on int32 ids, LSTM, GRU, Dense) matching Reptile within 1e-5',
    PY,
    async () => {
      const model = new Sequential([
        new Embedding({ inputDim: 10, outputDim: 4, name: 'embed' }),
        new LSTM({ units: 5, returnSequences: true, name: 'lstm' }),
        new GRU({ units: 3, name: 'gru' }),
        new Dense({ units: 2 }),
      ]);
      model.build([6]);
      // random biases too (they initialise to zeros/ones), so every gate term is exercised
      const weights = model
        .initWeights(21)
        .map((w, i) =>
          model.weights[i]!.path.endsWith('/bias')
            ? Tensor.fromData(uniformData(w.size, 40 + i), w.shape)
            : w,
        );
      const path = join(dir, 'lstm.pt');
      await exportTorchScript(path, model, weights, { batchSize: 3, inputDtype: 'int32' });
      const ids = Int32Array.from(uniformData(4 * 6, 8), (v) => Math.floor((v + 1) * 5));
      const want = model.apply(weights, Tensor.fromData(ids, [4, 6], 'int32'), INFERENCE).data();
      const got = loadInTorch(path, [[{ dtype: 'int32', shape: [4, 6], values: ids }]]);
      expect(got.runs[0]![0]!.shape).toEqual([4, 2]);
      expect(maxAbsDiff(got.runs[0]![0]!.values, want)).toBeLessThanOrEqual(1e-5);
      expect(got.parameters.map((p) => `${p.name}:${p.shape}`)).toEqual([
        'embed.embeddings:10,4',
        'lstm.kernel:4,20',
        'lstm.recurrentKernel:5,20',
        'lstm.bias:20',
        'gru.kernel:5,9',
        'gru.recurrentKernel:3,9',
        'gru.bias:2,9',
        'dense_1.kernel:3,2',
        'dense_1.bias:2',
      ]);
    },
  );

  it('exports a Functional model: inputs in order, outputs as a tuple', PY, async () => {
    const model = new Functional({ name: 'two_heads' });
    const a = model.input('a', [3]);
    const b = model.input('b', [2]);
    const joined = model.add(new Concatenate(), [a, b]);
    const h = model.add(new Dense({ units: 4, activation: 'elu', name: 'hidden' }), joined);
    model.output(model.add(new Dense({ units: 2, name: 'score' }), h));
    model.output(model.add(new Dense({ units: 1, activation: 'sigmoid', name: 'prob' }), h));
    model.build();
    const weights = model.initWeights(11);
    const path = join(dir, 'functional.pt');
    await exportTorchScript(path, model, weights, { batchSize: 2 });
    const xa = uniformData(5 * 3, 2);
    const xb = uniformData(5 * 2, 3);
    const want = model.applyNamed(
      weights,
      { a: Tensor.fromData(xa, [5, 3]), b: Tensor.fromData(xb, [5, 2]) },
      INFERENCE,
    );
    const got = loadInTorch(path, [
      [
        { dtype: 'float32', shape: [5, 3], values: xa },
        { dtype: 'float32', shape: [5, 2], values: xb },
      ],
    ]);
    const outputs = got.runs[0]!;
    expect(outputs.map((o) => o.shape)).toEqual([
      [5, 2],
      [5, 1],
    ]);
    expect(maxAbsDiff(outputs[0]!.values, want.score!.data())).toBeLessThanOrEqual(1e-5);
    expect(maxAbsDiff(outputs[1]!.values, want.prob!.data())).toBeLessThanOrEqual(1e-5);
    expect(got.parameters.map((p) => p.name)).toEqual([
      'hidden.kernel',
      'hidden.bias',
      'score.kernel',
      'score.bias',
      'prob.kernel',
      'prob.bias',
    ]);
  });
});
