import { Tensor, Trainer, type TrainerState } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { optimizerFromRecipe, ReptileOptimizer, reptileOptimizer } from './optimizer.ts';
import { sameBits, TEST_BACKENDS, useBackend } from './testing.ts';

/** A recipe's `accumulate` and `ema` inside the tf.Optimizer, against core's Trainer. */

const P = [
  [0.5, -1.25, 2, 0.75, -0.3, 1.1],
  [0.1, -0.2],
];
const SHAPES = [[2, 3], [2]];
/** Seven micro-batches: two full windows of 3 and one pending, or three of 2 and one pending. */
const G: number[][][] = [
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
  [
    [1.5, -0.7, 0.3, 0.1, 0.9, -2],
    [0.3, 0.3],
  ],
  [
    [-0.6, 0.2, 0.8, -0.4, 0.1, 0.7],
    [-1, 2],
  ],
  [
    [0.11, -0.13, 0.17, -0.19, 0.23, -0.29],
    [0.31, -0.37],
  ],
  [
    [2, 1, -1, -2, 0.5, -0.5],
    [0.7, 0.9],
  ],
];

const RECIPES: readonly unknown[] = [
  { optimizer: { name: 'adam', lr: 0.01 }, accumulate: 3 },
  { optimizer: { name: 'sgd', lr: 0.1 }, accumulate: 3 },
  { optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, accumulate: 2, ema: { decay: 0.9 } },
  { optimizer: { name: 'adam', lr: 0.05 }, ema: { decay: 0.99 } },
  {
    optimizer: { name: 'adamw' },
    schedule: { name: 'cosine', peak: 0.02, decaySteps: 5, warmupSteps: 1 },
    clip: { value: 1 },
    accumulate: 2,
    ema: { decay: 0.5 },
  },
  { optimizer: { name: 'rmsprop', lr: 0.01 }, clip: { globalNorm: 1 }, accumulate: 3, ema: { decay: 0.95 } },
];

/** Params, EMA and "applied" after each micro-batch through core's Trainer (reference backend). */
function coreRun(recipe: unknown) {
  const trainer = new Trainer(recipe, ['w', 'b']);
  let params = P.map((p, i) => Tensor.fromData(p, SHAPES[i]!));
  let state: TrainerState = trainer.init(params);
  return G.map((g) => {
    const step = trainer.apply(
      params,
      g.map((x, i) => Tensor.fromData(x, SHAPES[i]!)),
      state,
    );
    params = step.params;
    state = step.state;
    return {
      params: params.map((p) => p.data() as Float32Array),
      ema: state.ema?.map((e) => e.data() as Float32Array),
      applied: step.applied,
    };
  });
}

let backendName = '';
let nextId = 0;
const fresh = () =>
  P.map((p, i) => tf.variable(tf.tensor(p, SHAPES[i]!), true, `${backendName}-avg${nextId++}`));
const feed = (opt: tf.Optimizer, vars: tf.Variable[], g: number[][]) =>
  tf.tidy(() => {
    opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(g[i]!, SHAPES[i]!) })));
  });

describe.each(TEST_BACKENDS)('accumulate and ema on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    backendName = backend;
  });

  it.each(RECIPES.map((r) => [JSON.stringify(r), r] as const))('%s equals core’s Trainer', (_, recipe) => {
    const want = coreRun(recipe);
    const vars = fresh();
    const opt = optimizerFromRecipe(recipe);
    const every = opt.spec.accumulate;
    // Global-norm clipping sums squares: float32 in tfjs, float64 in the reference. Else exact.
    const exact = !JSON.stringify(recipe).includes('globalNorm');
    const same = (got: ArrayLike<number>, w: Float32Array) => {
      if (exact) expect(sameBits(got, w)).toBe(true);
      else
        w.forEach((x, j) => {
          expect(Math.abs(got[j]! - x)).toBeLessThanOrEqual(1e-6 * Math.abs(x) + 1e-9);
        });
    };
    let applied = 0;
    G.forEach((g, s) => {
      feed(opt, vars, g);
      if (want[s]!.applied) applied += 1;
      expect(opt.iterations).toBe(applied);
      expect(opt.accumulated).toBe((s + 1) % every);
      vars.forEach((v, i) => {
        same(v.dataSync(), want[s]!.params[i]!);
      });
      if (want[s]!.ema && applied > 0) {
        const ema = opt.emaWeights();
        vars.forEach((v, i) => {
          same(ema[v.name]!.dataSync(), want[s]!.ema![i]!);
        });
        tf.dispose(Object.values(ema));
      }
    });
    expect(applied).toBe(Math.floor(G.length / every));
    opt.dispose();
    tf.dispose(vars);
  });

  it('sums micro-batches and applies their mean on the N-th; a missing gradient counts as zero', () => {
    const [a, b] = [tf.variable(tf.tensor1d([1]), true, `${backend}-acc/a`), tf.variable(tf.tensor1d([1]))];
    const opt = optimizerFromRecipe({ optimizer: { name: 'sgd', lr: 1 }, accumulate: 2 });
    opt.applyGradients({ [a.name]: tf.tensor1d([2]), [b.name]: tf.tensor1d([4]) });
    expect([a.dataSync()[0], b.dataSync()[0], opt.iterations, opt.accumulated]).toEqual([1, 1, 0, 1]);
    opt.applyGradients({ [a.name]: tf.tensor1d([6]) }); // b: no gradient, i.e. zero
    // a: 1 − (2 + 6)/2 = −3; b: 1 − (4 + 0)/2 = −1.
    expect([a.dataSync()[0], b.dataSync()[0], opt.iterations, opt.accumulated]).toEqual([-3, -1, 1, 0]);
    tf.dispose([a, b]);
    opt.dispose();
  });

  it('refuses a variable it has never seen at the micro-batch, not N calls later', () => {
    const a = tf.variable(tf.tensor1d([1]));
    const stranger = tf.variable(tf.tensor1d([5]), true, `${backend}-acc/stranger`);
    const opt = optimizerFromRecipe({ optimizer: { name: 'adam', lr: 0.1 }, accumulate: 2 });
    opt.applyGradients({ [a.name]: tf.tensor1d([1]) });
    opt.applyGradients({ [a.name]: tf.tensor1d([1]) });
    expect(() => opt.applyGradients({ [stranger.name]: tf.tensor1d([1]) })).toThrow(
      /'\w+-acc\/stranger', which this optimizer has never seen/,
    );
    expect([opt.iterations, opt.accumulated, stranger.dataSync()[0]]).toEqual([1, 0, 5]);
    tf.dispose([a, stranger]);
    opt.dispose();
  });

  it('keeps ema ← decay·ema + (1 − decay)·params from the initial values (hand computation)', async () => {
    const w = tf.variable(tf.tensor1d([1, 4]));
    const opt = optimizerFromRecipe({ optimizer: { name: 'sgd', lr: 1 }, ema: { decay: 0.5 } });
    expect(opt.emaWeights()).toEqual({});
    opt.applyGradients({ [w.name]: tf.tensor1d([1, 2]) }); // w = [0, 2]; ema = ½[1, 4] + ½[0, 2] = [0.5, 3]
    opt.applyGradients({ [w.name]: tf.tensor1d([1, 2]) }); // w = [−1, 0]; ema = ½[0.5, 3] + ½[−1, 0]
    const ema = opt.emaWeights();
    expect(Array.from(ema[w.name]!.dataSync())).toEqual([-0.25, 1.5]);
    // Swapped in for evaluation, restored afterwards, also after a throw.
    const seen = await opt.withEmaWeights([w], () => Array.from(w.dataSync()));
    expect(seen).toEqual([-0.25, 1.5]);
    await expect(
      opt.withEmaWeights([w], () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(Array.from(w.dataSync())).toEqual([-1, 0]);
    ema[w.name]!.dispose(); // a copy: the optimizer's EMA is untouched
    expect(Array.from(opt.emaWeights()[w.name]!.dataSync())).toEqual([-0.25, 1.5]);
    const plain = reptileOptimizer({ name: 'sgd', lr: 1 });
    expect(() => plain.emaWeights()).toThrow(/keeps no parameter EMA/);
    tf.dispose(w);
    opt.dispose();
    plain.dispose();
  });

  it("a non-finite micro-batch throws and changes nothing under 'error', is not counted under 'skip'", async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const strict = optimizerFromRecipe({ optimizer: { name: 'sgd', lr: 1 }, accumulate: 2 });
    strict.applyGradients({ [w.name]: tf.tensor1d([1, 1]) });
    const before = (await strict.getWeights()).map((x) => [x.name, Array.from(x.tensor.dataSync())]);
    expect(() => strict.applyGradients({ [w.name]: tf.tensor1d([Number.NaN, 1]) })).toThrow(
      /non-finite gradient entries \(1\)/,
    );
    expect((await strict.getWeights()).map((x) => [x.name, Array.from(x.tensor.dataSync())])).toEqual(before);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    const lenient = optimizerFromRecipe({
      optimizer: { name: 'sgd', lr: 1 },
      accumulate: 2,
      nonFinite: 'skip',
    });
    const v = tf.variable(tf.tensor1d([1, 2]));
    lenient.applyGradients({ [v.name]: tf.tensor1d([2, 2]) });
    lenient.applyGradients({ [v.name]: tf.tensor1d([Number.POSITIVE_INFINITY, 0]) });
    expect([lenient.skipped, lenient.accumulated, lenient.iterations]).toEqual([1, 1, 0]);
    lenient.applyGradients({ [v.name]: tf.tensor1d([4, 0]) });
    expect(Array.from(v.dataSync())).toEqual([1 - 3, 2 - 1]);
    tf.dispose([w, v]);
    strict.dispose();
    lenient.dispose();
  });

  it('saves mid-accumulation (sums, count, EMAs) and resumes bit-identically', async () => {
    const recipe = { optimizer: { name: 'adam', lr: 0.05 }, accumulate: 3, ema: { decay: 0.9 } };
    const vars = fresh();
    const twin = fresh();
    const opt = optimizerFromRecipe(recipe);
    const other = optimizerFromRecipe(recipe);
    for (const g of G.slice(0, 4)) {
      feed(opt, vars, g);
      feed(other, twin, g);
    }
    const weights = await opt.getWeights();
    const names = weights.map((w) => w.name);
    expect(names).toContain('reptile/accumulate/count');
    expect(names).toContain(`reptile/accumulate/sum/${vars[0]!.name}`);
    expect(names).toContain(`reptile/ema/${vars[1]!.name}`);
    const restored = optimizerFromRecipe(recipe);
    await restored.setWeights(weights);
    expect([restored.iterations, restored.accumulated]).toEqual([1, 1]);
    for (const g of G.slice(4)) {
      feed(restored, vars, g);
      feed(other, twin, g);
    }
    expect(restored.iterations).toBe(2);
    const [e1, e2] = [restored.emaWeights(), other.emaWeights()];
    vars.forEach((v, i) => {
      expect(sameBits(v.dataSync(), twin[i]!.dataSync())).toBe(true);
      expect(sameBits(e1[v.name]!.dataSync(), e2[twin[i]!.name]!.dataSync())).toBe(true);
    });
    // Loading into an optimizer that cannot hold these parts is refused, changing nothing.
    const plain = optimizerFromRecipe({ optimizer: { name: 'adam', lr: 0.05 }, ema: { decay: 0.9 } });
    await expect(plain.setWeights(weights)).rejects.toThrow(/holds accumulated gradients/);
    const noEma = weights.filter((w) => !w.name.startsWith('reptile/ema/'));
    await expect(optimizerFromRecipe(recipe).setWeights(noEma)).rejects.toThrow(/no parameter EMA/);
    const count = weights.filter((w) => w.name !== 'reptile/accumulate/count');
    await expect(optimizerFromRecipe(recipe).setWeights(count)).rejects.toThrow(
      /'reptile\/accumulate\/count' weight is missing/,
    );
    tf.dispose([...vars, ...twin, ...Object.values(e1), ...Object.values(e2)]);
    [opt, other, restored, plain].forEach((o) => {
      o.dispose();
    });
  });

  it('writes accumulate and ema into getConfig; fromConfig rebuilds the same optimizer', () => {
    const opt = optimizerFromRecipe({
      optimizer: { name: 'sgd', lr: 0.1 },
      accumulate: 4,
      ema: { decay: 0.999 },
    });
    const config = opt.getConfig() as { recipe: Record<string, unknown> };
    expect(config.recipe.accumulate).toBe(4);
    expect(config.recipe.ema).toEqual({ decay: 0.999 });
    const copy = new ReptileOptimizer(config);
    expect([copy.spec.accumulate, copy.spec.ema]).toEqual([4, { decay: 0.999 }]);
    opt.dispose();
    copy.dispose();
  });
});
