/**
 * An ordinary tfjs-layers training script, made distributed by ZooKeeper:
 *
 *   node --import tsx examples/zookeeper-tfjs/train.ts            one process (rank 0 of 1)
 *   pnpm reptile launch -n 2 examples/zookeeper-tfjs/train.ts     two workers, same code
 *
 * Against the single-machine original, two lines differ (marked ◀): the optimizer, and each
 * rank taking its shard of the training rows. Evaluation and the printed accuracy use the
 * consensus weights (with β = 1, H = 1 every replica already equals them).
 */
import { shardRows, zookeeper } from '../../packages/distributed/src/tfjs/index.ts';
import { tf, tfl } from '../../packages/distributed/src/tfjs/runtime.ts';
import { spirals } from './data.ts';

const epochs = Number(process.argv[2] ?? 30);
tf.env().set('PROD', true);
await tf.setBackend('cpu');

const train = spirals(200, 3, 1);
const test = spirals(100, 3, 2);

const model = tfl.sequential({
  layers: [
    tfl.layers.dense({
      units: 48,
      inputShape: [2],
      kernelInitializer: tfl.initializers.heNormal({ seed: 1 }),
    }),
    tfl.layers.batchNormalization(),
    tfl.layers.activation({ activation: 'relu' }),
    tfl.layers.dense({
      units: 48,
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed: 2 }),
    }),
    tfl.layers.dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
    }),
  ],
});
// Before: optimizer: tf.train.momentum(0.05, 0.9)
const optimizer = zookeeper({ lr: 0.05, momentum: 0.9 }, { model }); // ◀
model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const [x, y] = [shardRows(train.x), shardRows(train.y)]; // ◀ (before: [train.x, train.y])
await model.fit(x, y, { epochs, batchSize: 16, shuffle: false, verbose: 0 }); // the rows come shuffled

const [, accuracy] = (model.evaluate(test.x, test.y) as tf.Scalar[]).map((t) => t.dataSync()[0]!);
const { rank, size } = optimizer.world;
if (rank === 0) {
  console.log(`trained on ${size} worker(s): test accuracy ${accuracy!.toFixed(3)}`);
  console.log(`RESULT ${JSON.stringify({ size, accuracy })}`);
}
