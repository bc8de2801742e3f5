import { blobs } from './data.ts';
import * as tf from './tfjs.ts'; // in your project: import * as tf from '@tensorflow/tfjs';

/** An ordinary tfjs-layers training script. */
export async function train(): Promise<tf.History> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 16,
        inputShape: [2],
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(0.02),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const { xs, ys } = blobs(100);
  const history = await model.fit(xs, ys, { epochs: 30, batchSize: 32, shuffle: false, verbose: 0 });
  tf.dispose([xs, ys]);
  model.dispose();
  return history;
}
