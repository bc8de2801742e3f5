import { beforeAll, describe, expect, it } from 'vitest';
import { reptileOptimizer } from '../../../../adapters/tfjs/src/optimizer.ts';
import { type Collective, singleRankCollective } from '../core.ts';
import { tf, tfl } from './runtime.ts';
import { shardRows, zookeeper } from './zookeeper-tfjs.ts';

/**
 * Rank 0 of a 2-rank world whose peer always contributes zeros: every mean is exactly half of
 * this rank's values (x/2 is exact in float32), and broadcast from rank 0 returns them unchanged.
 */
function halvingWorld(): Collective & { calls: string[] } {
  const calls: string[] = [];
  return {
    rank: 0,
    size: 2,
    calls,
    allreduceMean(buffer) {
      calls.push(`allreduceMean(${buffer.length})`);
      return buffer.map((v) => v / 2);
    },
    broadcast(buffer, root) {
      calls.push(`broadcast(${buffer.length}) from ${root}`);
      return buffer.slice();
    },
    barrier: () => undefined,
  };
}

/** dense(3) → batchNorm → dense(2): 6+3 + 4·3 (gamma, beta | moving mean, var) + 6+2 weights. */
function makeModel(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 3,
        inputShape: [2],
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.batchNormalization({ momentum: 0.5 }),
      tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

const x = () => tf.tensor2d([0.5, -1, 2, 0.25, -0.75, 1.5, 1, 1], [4, 2]);
const y = () => tf.tensor2d([1, 0, 0, 1, 1, 0, 0, 1], [4, 2]);
const weights = (m: tfl.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

describe('zookeeper (tfjs)', () => {
  it('on one rank trains exactly like the adapter’s SGD with the same learning rate', async () => {
    const a = makeModel();
    a.compile({
      optimizer: zookeeper({ lr: 0.1, momentum: 0.9 }, { model: a, collective: singleRankCollective() }),
      loss: 'meanSquaredError',
    });
    const b = makeModel();
    b.compile({
      optimizer: reptileOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 }),
      loss: 'meanSquaredError',
    });
    await a.fit(x(), y(), { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
    await b.fit(x(), y(), { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
    expect(weights(a)).toEqual(weights(b));
  });

  it('broadcasts the model at construction, then averages params AND batch-norm statistics in one allreduce per sync step', async () => {
    const world = halvingWorld();
    const a = makeModel();
    a.compile({
      optimizer: zookeeper({ lr: 0.1, syncEvery: 2 }, { model: a, collective: world }),
      loss: 'meanSquaredError',
    });
    const b = makeModel();
    b.compile({ optimizer: reptileOptimizer({ name: 'sgd', lr: 0.1 }), loss: 'meanSquaredError' });
    const total = a.weights.reduce((n, w) => n + w.read().size, 0);
    expect(world.calls).toEqual([`broadcast(${total}) from 0`]);
    // Step 0 is local: identical to SGD.
    await a.fit(x(), y(), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    await b.fit(x(), y(), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(weights(a)).toEqual(weights(b));
    expect(world.calls).toHaveLength(1);
    // Step 1 syncs: every weight, trainable (x̄ with β = 1) or moving statistic, becomes the mean.
    await a.fit(x(), y(), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    await b.fit(x(), y(), { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    expect(world.calls).toEqual([`broadcast(${total}) from 0`, `allreduceMean(${total})`]);
    expect(weights(a)).toEqual(weights(b).map((w) => w.map((v) => v / 2)));
  });

  it('syncModel sets every weight to the rank mean (the consensus for evaluation and saving)', () => {
    const world = halvingWorld();
    const a = makeModel();
    const optimizer = zookeeper({ lr: 0.1 }, { model: a, collective: world });
    const before = weights(a);
    optimizer.syncModel();
    expect(weights(a)).toEqual(before.map((w) => w.map((v) => v / 2)));
  });

  it('shardRows gives rank r its equal block of rows', () => {
    const world = { ...halvingWorld(), rank: 1, size: 3 };
    const t = tf.tensor2d([0, 1, 2, 3, 4, 5, 6], [7, 1]);
    expect(Array.from(shardRows(t, world).dataSync())).toEqual([2, 3]);
  });

  it('refuses a config that is not ZooKeeper', () => {
    expect(() => zookeeper({ name: 'adam' }, { collective: singleRankCollective() })).toThrow(
      /expected a ZooKeeper config, got 'adam'/,
    );
  });
});
