import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { train as after } from './after.ts';
import { train as before } from './before.ts';

const lines = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');

describe('examples/tfjs-existing', () => {
  it('the Reptile version differs from the tfjs script only in the optimizer and loss lines', () => {
    const a = lines('./before.ts');
    const b = lines('./after.ts');
    const added = b.filter((l) => !a.includes(l));
    const removed = a.filter((l) => !b.includes(l));
    expect(removed.map((l) => l.trim())).toEqual([
      '/** An ordinary tfjs-layers training script. */',
      'optimizer: tf.train.adam(0.02),',
      "loss: 'categoricalCrossentropy',",
    ]);
    expect(added.map((l) => l.trim())).toEqual([
      "import { reptileLoss, reptileOptimizer } from './reptile-tfjs.ts'; // in your project: '@reptile/tfjs'",
      '/** The same script on Reptile: only the optimizer and loss lines (and the import) changed. */',
      "optimizer: reptileOptimizer({ name: 'adam', lr: 0.02 }),",
      "loss: reptileLoss({ name: 'crossEntropy', fromLogits: false }),",
    ]);
  });

  it('both scripts train the same model to the same quality', async () => {
    const [h1, h2] = [await before(), await after()];
    const acc = (h: typeof h1) => (h.history.acc as number[]).at(-1)!;
    const loss = (h: typeof h1) => h.history.loss as number[];
    expect(acc(h1)).toBeGreaterThan(0.9);
    expect(acc(h2)).toBeGreaterThan(0.9);
    expect(loss(h2).at(-1)!).toBeLessThan(loss(h2)[0]! / 3);
    // Same formulas up to Adam's ε (tf.train.adam's default is 1e-7, Reptile's 1e-8) and the loss'
    // clipping: the curves agree closely, epoch by epoch.
    loss(h1).forEach((l, i) => {
      expect(Math.abs(l - loss(h2)[i]!)).toBeLessThan(0.02);
    });
  });
});
