import { type Collective, meanOfBuffers } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { optimizerFromRecipe, ReptileOptimizer, reptileOptimizer } from './optimizer.ts';
import { useBackend } from './testing.ts';

beforeAll(() => useBackend('cpu'));

describe('optimizers from recipes', () => {
  it('clips by value, then by global norm, before the optimizer', () => {
    const v = tf.variable(tf.tensor1d([0, 0]));
    const opt = optimizerFromRecipe({
      optimizer: { name: 'sgd', lr: 1 },
      clip: { value: 3, globalNorm: 2.5 },
    });
    // g = (4, -3) → clipped to (3, −3), norm 3√2 > 2.5 → scaled by 2.5/(3√2); sgd lr 1 subtracts it.
    opt.applyGradients({ [v.name]: tf.tensor1d([4, -3]) });
    const s = 2.5 / (3 * Math.SQRT2);
    const got = Array.from(v.dataSync());
    expect(got[0]).toBeCloseTo(-3 * s, 6);
    expect(got[1]).toBeCloseTo(3 * s, 6);
    v.dispose();
    opt.dispose();
  });

  it("nonFinite 'error' throws and changes nothing; 'skip' skips the update", async () => {
    const v = tf.variable(tf.tensor1d([1, 2]));
    const strict = optimizerFromRecipe({ optimizer: { name: 'adam', lr: 0.1 } });
    strict.applyGradients({ [v.name]: tf.tensor1d([1, 1]) });
    const after1 = Array.from(v.dataSync());
    const weights = (await strict.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
    expect(() => strict.applyGradients({ [v.name]: tf.tensor1d([Number.NaN, 1]) })).toThrow(
      /non-finite gradient entries \(1\).*left unchanged/,
    );
    expect(Array.from(v.dataSync())).toEqual(after1);
    expect((await strict.getWeights()).map((w) => Array.from(w.tensor.dataSync()))).toEqual(weights);
    expect(strict.iterations).toBe(1);

    const lenient = optimizerFromRecipe({ optimizer: { name: 'sgd', lr: 0.1 }, nonFinite: 'skip' });
    lenient.applyGradients({ [v.name]: tf.tensor1d([Number.POSITIVE_INFINITY, 0]) });
    expect(Array.from(v.dataSync())).toEqual(after1);
    expect(lenient.skipped).toBe(1);
    expect(lenient.iterations).toBe(0);
    v.dispose();
    strict.dispose();
    lenient.dispose();
  });

  it('uses the recipe schedule as the learning rate and saves the recipe in getConfig', () => {
    const recipe = {
      optimizer: { name: 'sgd' },
      schedule: { name: 'step', initial: 1, stepSize: 2, gamma: 0.5 },
    };
    const opt = optimizerFromRecipe(recipe);
    const v = tf.variable(tf.tensor1d([0]));
    const lrs: number[] = [];
    for (let i = 0; i < 5; i++) {
      lrs.push(opt.learningRate);
      opt.applyGradients({ [v.name]: tf.tensor1d([1]) });
    }
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.25]);
    expect(v.dataSync()[0]).toBeCloseTo(-3.25, 6);
    const copy = new ReptileOptimizer(opt.getConfig());
    expect(copy.spec.config).toEqual(opt.spec.config);
    v.dispose();
    opt.dispose();
  });

  it('refuses unknown fields, naming them', () => {
    expect(() => optimizerFromRecipe({ optimizer: { name: 'sgd' }, accumulate: 0 })).toThrow(/accumulate/);
    expect(() => optimizerFromRecipe({ optimizer: { name: 'sgd' }, ema: { decay: 1.5 } })).toThrow(
      /ema.decay/,
    );
    expect(() => reptileOptimizer({ name: 'sgd', lr: 0.1, momentun: 0.9 })).toThrow(
      /unknown field 'momentun'/,
    );
  });
});

describe('ZooKeeper', () => {
  it('with one rank is exactly its proposal (heavy-ball SGD)', () => {
    const a = tf.variable(tf.tensor1d([1, -1]));
    const b = tf.variable(tf.tensor1d([1, -1]));
    const zk = reptileOptimizer({ name: 'zookeeper', lr: 0.1, momentum: 0.5, syncEvery: 2 });
    const sgd = reptileOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.5 });
    for (const g of [
      [1, 2],
      [-1, 0.5],
      [0.25, 0.25],
    ]) {
      zk.applyGradients({ [a.name]: tf.tensor1d(g) });
      sgd.applyGradients({ [b.name]: tf.tensor1d(g) });
    }
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
    zk.dispose();
    sgd.dispose();
  });

  it('averages replicas through a collective at sync steps and blends with beta', () => {
    // A fake two-rank collective whose other rank always holds [10, 10].
    const collective: Collective = {
      rank: 0,
      size: 2,
      allreduceMean: (buffer) => meanOfBuffers([buffer, new Float32Array(buffer.length).fill(10)]),
      broadcast: (buffer) => buffer.slice(),
      barrier: () => undefined,
    };
    const v = tf.variable(tf.tensor1d([0, 2]));
    const opt = reptileOptimizer({ name: 'zookeeper', lr: 1, beta: 0.5, syncEvery: 2 }, { collective });
    opt.applyGradients({ [v.name]: tf.tensor1d([1, 1]) }); // step 0: proposal only → [-1, 1]
    expect(Array.from(v.dataSync())).toEqual([-1, 1]);
    opt.applyGradients({ [v.name]: tf.tensor1d([1, 1]) }); // step 1 syncs: x̃ = [-2, 0], x̄ = [4, 5]
    // x = x̃ + β(x̄ − x̃) = [-2 + 0.5·6, 0 + 0.5·5]
    expect(Array.from(v.dataSync())).toEqual([1, 2.5]);
    expect(() => reptileOptimizer({ name: 'sgd' }, { collective })).toThrow(
      /a collective is only used by ZooKeeper/,
    );
    v.dispose();
    opt.dispose();
  });
});
