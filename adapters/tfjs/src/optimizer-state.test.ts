import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { optimizerFromRecipe, reptileOptimizer } from './optimizer.ts';
import { sameBits, TEST_BACKENDS, useBackend } from './testing.ts';

type Grads = Record<string, number[]>;

let backendName = '';

/** Variables named `<backend>-<prefix>/a` and `/b` (the engine's variable names are global). */
function makeVars(prefix: string): tf.Variable[] {
  prefix = `${backendName}-${prefix}`;
  return [
    tf.variable(tf.tensor1d([1, 2, 3]), true, `${prefix}/a`),
    tf.variable(tf.tensor1d([-1, 0.5, 4]), true, `${prefix}/b`),
  ];
}

function apply(opt: tf.Optimizer, vars: tf.Variable[], grads: Grads, order: number[]): void {
  tf.tidy(() => {
    opt.applyGradients(
      order.map((i) => ({ name: vars[i]!.name, tensor: tf.tensor1d(grads[vars[i]!.name.split('/')[1]!]!) })),
    );
  });
}

const STEPS: Grads[] = [
  { a: [0.5, -1, 2], b: [10, 20, -30] },
  { a: [0.1, 0.2, 0.3], b: [-5, 1, 2] },
  { a: [-1, 1, -1], b: [3, 3, 3] },
];

describe.each(TEST_BACKENDS)('optimizer state on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    backendName = backend;
  });

  it('is keyed by variable name: the order gradients arrive in does not matter', () => {
    const fixed = makeVars('fixed');
    const shuffled = makeVars('shuffled');
    const o1 = reptileOptimizer({ name: 'adam', lr: 0.1 });
    const o2 = reptileOptimizer({ name: 'adam', lr: 0.1 });
    STEPS.forEach((g, s) => {
      apply(o1, fixed, g, [0, 1]);
      apply(o2, shuffled, g, s % 2 === 0 ? [1, 0] : [0, 1]);
    });
    fixed.forEach((v, i) => {
      expect(sameBits(v.dataSync(), shuffled[i]!.dataSync())).toBe(true);
    });
    tf.dispose([...fixed, ...shuffled]);
    o1.dispose();
    o2.dispose();
  });

  it("tf.train.adam misaligns its state when the order changes (the bug Reptile's keying avoids)", () => {
    const fixed = makeVars('tfFixed');
    const shuffled = makeVars('tfShuffled');
    const o1 = tf.train.adam(0.1);
    const o2 = tf.train.adam(0.1);
    STEPS.forEach((g, s) => {
      apply(o1, fixed, g, [0, 1]);
      apply(o2, shuffled, g, s % 2 === 0 ? [1, 0] : [0, 1]);
    });
    // b's huge first-step gradient sits in the moment slot that a uses on step 2.
    expect(sameBits(fixed[0]!.dataSync(), shuffled[0]!.dataSync())).toBe(false);
    tf.dispose([...fixed, ...shuffled]);
    o1.dispose();
    o2.dispose();
  });

  it('updates only the variables of a call; the others keep their values and state', () => {
    const [a, b] = makeVars('subset');
    const [ra, rb] = makeVars('subsetRef');
    const opt = reptileOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    const ref = reptileOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    opt.applyGradients({ [a!.name]: tf.tensor1d([1, 1, 1]), [b!.name]: tf.tensor1d([2, 2, 2]) });
    ref.applyGradients({ [ra!.name]: tf.tensor1d([1, 1, 1]), [rb!.name]: tf.tensor1d([2, 2, 2]) });
    const bBefore = b!.dataSync().slice();
    opt.applyGradients({ [a!.name]: tf.tensor1d([1, 1, 1]) });
    expect(Array.from(b!.dataSync())).toEqual(Array.from(bBefore));
    // b's momentum buffer is untouched: its next step is the same as a two-step run's second step.
    opt.applyGradients({ [b!.name]: tf.tensor1d([2, 2, 2]) });
    ref.applyGradients({ [rb!.name]: tf.tensor1d([2, 2, 2]) });
    expect(sameBits(b!.dataSync(), rb!.dataSync())).toBe(true);
    // momentum 0.9: buf = 0.9·2 + 2 = 3.8, so b moves by 0.1·2 + 0.1·3.8 = 0.58 in total.
    expect(b!.dataSync()[0]).toBeCloseTo(-1 - 0.58, 6);
    tf.dispose([a!, b!, ra!, rb!]);
    opt.dispose();
    ref.dispose();
  });

  it('refuses a gradient for a variable it has never seen, changing nothing', async () => {
    const [a, b] = makeVars('unknown');
    const stranger = tf.variable(tf.tensor1d([7, 7, 7]), true, `${backend}-unknown/c`);
    const opt = reptileOptimizer({ name: 'adam', lr: 0.1 });
    opt.applyGradients({ [a!.name]: tf.tensor1d([1, 2, 3]), [b!.name]: tf.tensor1d([1, 2, 3]) });
    const before = [a!.dataSync().slice(), b!.dataSync().slice()];
    const weightsBefore = await Promise.all((await opt.getWeights()).map((w) => w.tensor.data()));
    expect(() =>
      opt.applyGradients({ [a!.name]: tf.tensor1d([1, 1, 1]), [stranger.name]: tf.tensor1d([1, 1, 1]) }),
    ).toThrow(/gradient for variable '\w+-unknown\/c', which this optimizer has never seen/);
    expect(Array.from(a!.dataSync())).toEqual(Array.from(before[0]!));
    expect(Array.from(b!.dataSync())).toEqual(Array.from(before[1]!));
    expect(Array.from(stranger.dataSync())).toEqual([7, 7, 7]);
    const weightsAfter = await Promise.all((await opt.getWeights()).map((w) => w.tensor.data()));
    expect(weightsAfter.map((w) => Array.from(w))).toEqual(weightsBefore.map((w) => Array.from(w)));
    expect(opt.iterations).toBe(1);
    tf.dispose([a!, b!, stranger]);
    opt.dispose();
  });

  it('refuses a gradient whose shape differs from its variable, or that names no variable', () => {
    const vars = makeVars('badShape');
    const a = vars[0];
    const opt = reptileOptimizer({ name: 'sgd', lr: 0.1 });
    expect(() => opt.applyGradients({ [a!.name]: tf.tensor1d([1, 2]) })).toThrow(
      /is float32\[2\], the variable is float32\[3\]/,
    );
    expect(() => opt.applyGradients({ nope: tf.tensor1d([1, 2]) })).toThrow(/no tf.Variable is named 'nope'/);
    expect(Array.from(a!.dataSync())).toEqual([1, 2, 3]);
    tf.dispose(vars);
    opt.dispose();
  });

  it('saves its state as named weights and resumes bit-identically from them', async () => {
    const vars = makeVars('resume');
    const twin = makeVars('resumeTwin');
    const opt = reptileOptimizer({ name: 'adam', lr: 0.05, amsgrad: true });
    const other = reptileOptimizer({ name: 'adam', lr: 0.05, amsgrad: true });
    apply(opt, vars, STEPS[0]!, [0, 1]);
    apply(other, twin, STEPS[0]!, [0, 1]);
    const weights = await opt.getWeights();
    const slots = ['a/1.m', 'a/1.v', 'a/1.vMax', 'b/1.m', 'b/1.v', 'b/1.vMax'].map(
      (s) => `${backend}-resume/${s}`,
    );
    expect(weights.map((w) => w.name).sort()).toEqual(['iter', ...slots].sort());
    const restored = reptileOptimizer({ name: 'adam', lr: 0.05, amsgrad: true });
    await restored.setWeights(weights);
    expect(restored.iterations).toBe(1);
    for (const g of STEPS.slice(1)) {
      apply(restored, vars, g, [1, 0]);
      apply(other, twin, g, [0, 1]);
    }
    vars.forEach((v, i) => {
      expect(sameBits(v.dataSync(), twin[i]!.dataSync())).toBe(true);
    });
    tf.dispose([...vars, ...twin]);
    [opt, other, restored].forEach((o) => {
      o.dispose();
    });
  });

  it('refuses weights of another optimizer or shape, with a clear error', async () => {
    const vars = makeVars('badWeights');
    const tfAdam = tf.train.adam(0.1);
    apply(tfAdam, vars, STEPS[0]!, [0, 1]);
    const opt = reptileOptimizer({ name: 'adam', lr: 0.1 });
    await expect(opt.setWeights(await tfAdam.getWeights())).rejects.toThrow(/is not part of a 'adam' state/);
    const wrong = reptileOptimizer({ name: 'adam' });
    await wrong.setWeights([
      { name: 'iter', tensor: tf.scalar(1, 'int32') },
      { name: `${backend}-badWeights/a/1.m`, tensor: tf.zeros([5]) },
      { name: `${backend}-badWeights/a/1.v`, tensor: tf.zeros([5]) },
    ]);
    expect(() => wrong.applyGradients({ [vars[0]!.name]: tf.tensor1d([1, 1, 1]) })).toThrow(
      /saved state '.*badWeights\/a\/1.m' .* is float32\[5\], the variable needs float32\[3\]/,
    );
    expect(Array.from(vars[0]!.dataSync())).not.toEqual([1, 2, 3]); // moved by tf.train.adam only
    tf.dispose(vars);
    tfAdam.dispose();
    opt.dispose();
    wrong.dispose();
  });

  it('leaks no tensors over 1,000 minimize steps', () => {
    const w = tf.variable(tf.randomNormal([8, 4], 0, 1, 'float32', 1));
    const b = tf.variable(tf.zeros([4]));
    const x = tf.randomNormal([16, 8], 0, 1, 'float32', 2);
    const y = tf.randomNormal([16, 4], 0, 1, 'float32', 3);
    const opt = reptileOptimizer({
      name: 'adamw',
      lr: { name: 'cosine', peak: 0.01, decaySteps: 1000, warmupSteps: 10 },
    });
    const loss = () => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w), b)) as tf.Scalar;
    opt.minimize(loss);
    const start = tf.memory().numTensors;
    let first = 0;
    let last = 0;
    for (let i = 1; i < 1000; i++) {
      const cost = opt.minimize(loss, true)!;
      if (i === 1) first = cost.dataSync()[0]!;
      if (i === 999) last = cost.dataSync()[0]!;
      cost.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
    expect(last).toBeLessThan(first);
    tf.dispose([w, b, x, y]);
    opt.dispose();
  });

  it('leaks no tensors over 1,000 minimize steps with accumulate, ema and clip', () => {
    const base = tf.memory().numTensors;
    const init = [tf.randomNormal([8, 4], 0, 1, 'float32', 4), tf.zeros([4])];
    const [w, b] = init.map((t) => tf.variable(t));
    const x = tf.randomNormal([16, 8], 0, 1, 'float32', 5);
    const y = tf.randomNormal([16, 4], 0, 1, 'float32', 6);
    const every = 4;
    const opt = optimizerFromRecipe({
      optimizer: { name: 'adam', lr: 0.01 },
      clip: { globalNorm: 1 },
      accumulate: every,
      ema: { decay: 0.99 },
    });
    const loss = () => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w!), b!)) as tf.Scalar;
    for (let i = 0; i < every; i++) opt.minimize(loss); // the first update creates state and EMAs
    // Within a window the two gradient sums come and go; at each position they are the same.
    const counts: number[] = [];
    for (let i = 0; i < 1000; i++) {
      tf.dispose(opt.minimize(loss, true)!);
      counts.push(tf.memory().numTensors);
      if (i >= every) expect(counts[i]).toBe(counts[i - every]);
    }
    expect(opt.iterations).toBe(1 + 1000 / every);
    expect(counts[every - 1]! - counts[0]!).toBe(-2); // the sums of w and b, released by the update
    tf.dispose([w!, b!, x, y, ...init]);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(base); // dispose() frees state, sums, EMAs and programs
  });
});
