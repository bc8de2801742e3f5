import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '@reptile/core';
import { fileSystem } from '@reptile/tfjs/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Deterministic values in [−0.5, 0.5) (an LCG), so every run builds the same models. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

function fixWeights(model: tfl.LayersModel, seed: number): void {
  model.setWeights(
    model.weights.map((w, i) => {
      const shape = w.read().shape;
      const v = values(
        shape.reduce((a, b) => a * b, 1),
        seed + i,
      );
      return tf.tensor(/variance/.test(w.originalName) ? v.map((x) => Math.abs(x) + 0.5) : v, shape);
    }),
  );
}

export interface TfjsSavedCase {
  readonly folder: string;
  readonly input: Tensor;
  /** tfjs-layers' own prediction for `input`. */
  readonly expected: Tensor;
}

const BUILDERS = {
  /** channelsLast CNN: conv (same, stride 2) → batch norm → max pool → conv (valid) → global avg → dense. */
  cnn: () => {
    const m = tfl.sequential();
    m.add(
      tfl.layers.conv2d({
        inputShape: [10, 10, 3],
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
      }),
    );
    m.add(tfl.layers.batchNormalization());
    m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tfl.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'valid' }));
    m.add(tfl.layers.globalAveragePooling2d({}));
    m.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
    return { model: m as tfl.LayersModel, shape: [2, 10, 10, 3] };
  },
  /** LSTM over a sequence, then a dense head. */
  lstm: () => {
    const m = tfl.sequential();
    // tfjs' defaults (hard sigmoid, an orthogonal initializer that needs the chained-ops API) are
    // not what Keras or PyTorch use; a Keras-style LSTM spells them out.
    m.add(
      tfl.layers.lstm({
        inputShape: [6, 4],
        units: 5,
        recurrentActivation: 'sigmoid',
        recurrentInitializer: 'glorotUniform',
      }),
    );
    m.add(tfl.layers.dense({ units: 2 }));
    return { model: m as tfl.LayersModel, shape: [3, 6, 4] };
  },
} as const;

/**
 * A model built and saved by tfjs-layers' own `model.save` (through Reptile's file handler, the
 * same bytes tfjs-node's file:// handler writes), with tfjs' own prediction.
 */
export async function tfjsSavedCase(name: keyof typeof BUILDERS): Promise<TfjsSavedCase> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const { model, shape } = BUILDERS[name]();
  fixWeights(model, name.length * 7);
  const folder = mkdtempSync(join(tmpdir(), `reptile-tfjs-saved-${name}-`));
  await model.save(fileSystem(folder));
  const x = values(
    shape.reduce((a, b) => a * b, 1),
    99,
  ).map((v) => v * 2);
  const y = tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
  const outShape = (model.outputs[0]!.shape as number[]).map((d, i) => (i === 0 ? shape[0]! : d));
  model.dispose();
  return {
    folder,
    input: Tensor.fromData(x, shape),
    expected: Tensor.fromData(Float32Array.from(y), outShape),
  };
}
