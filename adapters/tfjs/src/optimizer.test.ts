import { optimizerFromConfig, ReferenceBackend, realize, Tensor } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { reptileOptimizer } from './optimizer.ts';
import { sameBits, TEST_BACKENDS, useBackend } from './testing.ts';

const reference = new ReferenceBackend();

/** Params after each step on the reference backend (the executable spec). */
function referenceTrajectory(
  config: unknown,
  params: number[][],
  shapes: number[][],
  grads: number[][][],
): Float32Array[][] {
  const opt = optimizerFromConfig(config);
  let ps = params.map((p, i) => Tensor.fromData(p, shapes[i]!));
  let state = opt.init(ps);
  const out: Float32Array[][] = [];
  for (const g of grads) {
    const next = opt.step(
      ps,
      g.map((x, i) => Tensor.fromData(x, shapes[i]!)),
      state,
    );
    const values = realize(next.params, reference) as Float32Array[];
    ps = values.map((v, i) => Tensor.fromData(v, shapes[i]!));
    state = next.state;
    out.push(values);
  }
  return out;
}

const P = [
  [0.5, -1.25, 2, 0.75, -0.3, 1.1],
  [0.1, -0.2],
];
const SHAPES = [[2, 3], [2]];
const G = [
  [
    [0.3, -0.1, 0.05, 2, -1.5, 0.01],
    [1, -0.5],
  ],
  [
    [-0.2, 0.4, 0.1, -1, 0.5, 0.02],
    [0.25, 0.75],
  ],
  [
    [0.05, 0.05, -0.3, 0.6, 0.2, -0.01],
    [-0.5, 0.1],
  ],
];

const CONFIGS: readonly unknown[] = [
  { name: 'sgd', lr: 0.1 },
  { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { name: 'adam', lr: 0.01 },
  { name: 'adam', lr: 0.01, amsgrad: true, epsilonStyle: 'keras', eps: 1e-3 },
  { name: 'adamw', lr: { name: 'cosine', peak: 0.01, decaySteps: 10 } },
  { name: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 },
  { name: 'adagrad', lr: 0.1 },
  { name: 'lion', lr: 0.001, weightDecay: 0.1 },
  { name: 'lamb', lr: 0.01 },
  { name: 'zookeeper', lr: 0.05, momentum: 0.9 },
];

describe.each(TEST_BACKENDS)('ReptileOptimizer on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))(
    '%s matches the reference backend',
    (_, config) => {
      const want = referenceTrajectory(config, P, SHAPES, G);
      const vars = P.map((p, i) => tf.variable(tf.tensor(p, SHAPES[i]!)));
      const opt = reptileOptimizer(config);
      G.forEach((g, s) => {
        tf.tidy(() =>
          opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(g[i]!, SHAPES[i]!) }))),
        );
        vars.forEach((v, i) => {
          const got = v.dataSync() as Float32Array;
          const w = want[s]![i]!;
          // + − × ÷ √ are correctly rounded in float32 on both; exp/pow may differ by an ulp.
          got.forEach((x, j) => {
            expect(Math.abs(x - w[j]!)).toBeLessThanOrEqual(2e-7 * Math.abs(w[j]!) + 1e-9);
          });
        });
      });
      expect(opt.iterations).toBe(3);
      opt.dispose();
      tf.dispose(vars);
    },
  );

  it('adam is bit-identical to the reference on the first steps', () => {
    const config = { name: 'adam', lr: 0.01 };
    const want = referenceTrajectory(config, P, SHAPES, G);
    const vars = P.map((p, i) => tf.variable(tf.tensor(p, SHAPES[i]!)));
    const opt = reptileOptimizer(config);
    for (const g of G)
      opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(g[i]!, SHAPES[i]!) })));
    vars.forEach((v, i) => {
      expect(sameBits(v.dataSync(), want[2]![i]!)).toBe(true);
    });
    opt.dispose();
    tf.dispose(vars);
  });

  it("adam's first step moves each weight by lr·g/(|g| + eps) (closed form)", () => {
    const v = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = reptileOptimizer({ name: 'adam', lr: 0.1, eps: 1e-8 });
    opt.applyGradients({ [v.name]: tf.tensor1d([0.5, -4, 1e-9]) });
    // m̂ = g and v̂ = g², so the step is lr·g/(|g| + eps): ±0.1 for |g| ≫ eps, 0.1·(1e-9/(1e-9+1e-8)) for g = 1e-9.
    const got = Array.from(v.dataSync());
    expect(got[0]).toBeCloseTo(0.9, 6);
    expect(got[1]).toBeCloseTo(-1.9, 6);
    expect(got[2]).toBeCloseTo(3 - 0.1 / 11, 5);
    opt.dispose();
    v.dispose();
  });
});
