import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { effectiveOptimizerConfig, parseRecipe, Tensor as T, type Tensor, Trainer } from '@reptile/core';
import { INFERENCE } from '@reptile/layers';
import { OnnxTrainer } from '@reptile/onnx';
import { fileSystem } from '@reptile/tfjs/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTfjsPortable, importTfjsPortable } from './formats/tfjs.ts';
import { buildPortable } from './portable.ts';

/**
 * The cross-frontend round trip: a model made and saved by tfjs-layers is imported,
 * trained on the ONNX frontend (one onnxruntime session per step: forward, loss, backward and
 * the update of a Reptile recipe), exported back to tfjs and loaded by tfjs-layers, which must
 * hold exactly the weights the ONNX training produced. The same recipe on the reference
 * frontend (core's Trainer) checks that the ONNX training computed the right thing.
 */
const RECIPE = {
  optimizer: { name: 'adam', lr: 0.02 },
  loss: { name: 'crossEntropy', fromLogits: false },
};
const STEPS = 6;
const BATCH = 8;

function lcg(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

let folder: string;
beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 8, activation: 'tanh', name: 'hidden' }),
      tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  model.setWeights(
    model.weights.map((w, i) => {
      const shape = w.shape as number[];
      return tf.tensor(
        lcg(
          shape.reduce((n, d) => n * d, 1),
          7 + i,
        ),
        shape,
      );
    }),
  );
  folder = mkdtempSync(join(tmpdir(), 'reptile-xfe-'));
  await model.save(fileSystem(folder));
  model.dispose();
});

describe('tfjs → train on the ONNX frontend with a recipe → tfjs', () => {
  it('tfjs-layers loads exactly the ONNX-trained weights, which match the reference frontend', async () => {
    const portable = await importTfjsPortable(folder);
    const { model, weights } = buildPortable(portable, folder);
    const x = lcg(BATCH * 6, 3).map((v) => v * 4);
    const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % 3);
    const recipe = parseRecipe(RECIPE);
    const forward = (params: readonly Tensor[], input: Tensor) => model.apply(params, input, INFERENCE);

    // ONNX frontend: the recipe's whole step compiled into one graph, run by onnxruntime.
    const trainer = new OnnxTrainer({
      params: model.weights.map((w) => ({ name: w.path, shape: w.shape, dtype: w.dtype })),
      x: { shape: [BATCH, 6], dtype: 'float32' },
      y: { shape: [BATCH], dtype: 'int32' },
      forward,
      loss: recipe.loss,
      optimizer: effectiveOptimizerConfig(recipe),
    });
    let state = trainer.init(weights.map((w) => w.data() as Float32Array));
    const losses: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      const r = trainer.step(state, x, y);
      state = r.state;
      losses.push(r.loss);
    }
    trainer.release();
    expect(losses[STEPS - 1]!).toBeLessThan(losses[0]!);
    const trained = model.weights.map((w, i) => T.fromData(state.params[i]!, w.shape, w.dtype));

    // Reference frontend, same recipe: the ONNX step must compute the same update.
    const reference = new Trainer(
      RECIPE,
      model.weights.map((w) => w.path),
    );
    let params: Tensor[] = weights;
    let refState = reference.init(params);
    const xs = T.fromData(x, [BATCH, 6]);
    const ys = T.fromData(y, [BATCH], 'int32');
    for (let i = 0; i < STEPS; i++) {
      const r = reference.step(params, (p) => forward(p, xs), ys, refState);
      params = r.params;
      refState = r.state;
    }
    params.forEach((p, i) => {
      const a = p.data() as Float32Array;
      const b = trained[i]!.data() as Float32Array;
      for (let k = 0; k < a.length; k++) expect(Math.abs(a[k]! - b[k]!)).toBeLessThan(1e-5);
    });

    // Back to tfjs: tfjs-layers must hold exactly the ONNX-trained weights.
    const out = mkdtempSync(join(tmpdir(), 'reptile-xfe-out-'));
    const byPath = Object.fromEntries(model.weights.map((w, i) => [w.path, trained[i]!]));
    await exportTfjsPortable(out, { config: model.getConfig(), weights: byPath });
    const loaded = await tfl.loadLayersModel(fileSystem(out));
    const loadedWeights = loaded.getWeights().map((w) => Array.from(w.dataSync()));
    expect(loadedWeights).toEqual(trained.map((t) => Array.from(t.data() as Float32Array)));
    const predicted = (loaded.predict(tf.tensor(x, [BATCH, 6])) as tf.Tensor).dataSync();
    const ours = model.apply(trained, xs, INFERENCE).data() as Float32Array;
    for (let k = 0; k < ours.length; k++) expect(Math.abs(predicted[k]! - ours[k]!)).toBeLessThan(1e-6);
    loaded.dispose();
  }, 120_000);
});
