import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
// The same module instances the tfjs adapter uses (this package does not depend on tfjs itself).
import { reptileOptimizer } from '../../../../adapters/tfjs/src/index.ts';
import { tf, tfl } from '../../../distributed/src/tfjs/runtime.ts';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const run = promisify(execFile);

async function trainedWeights(optimizer: tf.Optimizer): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 4,
        inputShape: [2],
        activation: 'relu',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const xs = tf.tensor2d(Array.from({ length: 24 }, (_, r) => [Math.sin(r), Math.cos(1.7 * r)]));
  const ys = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 24 }, (_, r) => r % 3),
      'int32',
    ),
    3,
  );
  await model.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([xs, ys]);
  model.dispose();
  return weights;
}

function resultOf(stdout: string): { size: number; accuracy: number } {
  const line = stdout.split('\n').find((l) => l.includes('RESULT '));
  expect(line, stdout).toBeDefined();
  return JSON.parse(line!.slice(line!.indexOf('RESULT ') + 7));
}

describe('guide: ZooKeeper in existing tfjs code (docs/guide-zookeeper-in-tfjs.md)', () => {
  it('step 1: on one process, the one-line swap trains exactly like tf.train.momentum', async () => {
    const want = await trainedWeights(tf.train.momentum(0.05, 0.9));
    const got = await trainedWeights(reptileOptimizer({ name: 'zookeeper', lr: 0.05, momentum: 0.9 }));
    expect(got).toHaveLength(want.length);
    got.forEach((g, i) => {
      for (let k = 0; k < g.length; k++) expect(Math.abs(g[k]! - want[i]![k]!)).toBeLessThanOrEqual(1e-6);
    });
  });

  it("step 2: the example script runs alone and on 2 workers with the guide's commands", async () => {
    const alone = await run('node', ['--import', 'tsx', 'examples/zookeeper-tfjs/train.ts', '12'], {
      cwd: ROOT,
    });
    const one = resultOf(alone.stdout);
    const launched = await run(
      'pnpm',
      ['reptile', 'launch', '-n', '2', 'examples/zookeeper-tfjs/train.ts', '12'],
      {
        cwd: ROOT,
      },
    );
    expect(launched.stdout).toMatch(/^\[rank 0\] trained on 2 worker\(s\): test accuracy 0\.\d{3}$/m);
    const two = resultOf(launched.stdout);
    expect([one.size, two.size]).toEqual([1, 2]);
    // 300 held-out spiral points: both well above chance (1/3), and within 5 points of each other.
    expect(one.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(two.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(two.accuracy - one.accuracy)).toBeLessThanOrEqual(0.05);
  }, 180_000);
});
