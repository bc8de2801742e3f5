import { grad, materialize, ops, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Flatten } from '../flatten.ts';
import { Sequential } from '../sequential.ts';
import { Reshape } from '../shape/reshape.ts';
import { Conv2D } from './conv2d.ts';
import { GlobalAveragePooling2D } from './global-pool2d.ts';
import { CONV_LAYERS } from './index.ts';
import { MaxPool2D } from './pool2d.ts';
import { randomArray } from './testing/naive.ts';

/** Toy task: is the bright 2×2 blob in the top or the bottom half of an 8×8 image? */
function batch(n: number, seed: number): { x: Tensor; y: Tensor } {
  const noise = randomArray(n * 64, seed);
  const pos = randomArray(n * 2, seed + 1);
  const pixels = Array.from(noise, (v) => 0.1 * v);
  const labels: number[] = [];
  for (let s = 0; s < n; s++) {
    const bottom = s % 2;
    const r = bottom * 4 + Math.floor(((pos[2 * s]! + 1) / 2) * 3);
    const c = Math.floor(((pos[2 * s + 1]! + 1) / 2) * 7);
    for (const [dr, dc] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ])
      pixels[s * 64 + (r + dr!) * 8 + c + dc!] = 1;
    labels.push(bottom, 1 - bottom);
  }
  return { x: Tensor.fromData(pixels, [n, 64], 'float64'), y: Tensor.fromData(labels, [n, 2], 'float64') };
}

describe('a small CNN in Sequential', () => {
  const make = () =>
    new Sequential([
      new Reshape({ targetShape: [1, 8, 8] }),
      new Conv2D({
        name: 'convA',
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        dataFormat: 'channelsFirst',
        dtype: 'float64',
      }),
      new MaxPool2D({ poolSize: 2, dataFormat: 'channelsFirst' }),
      new Conv2D({
        name: 'convB',
        filters: 4,
        kernelSize: 2,
        groups: 2,
        activation: 'relu',
        dataFormat: 'channelsFirst',
        dtype: 'float64',
      }),
      new Flatten(),
      new Dense({ name: 'out', units: 2, activation: 'softmax', dtype: 'float64' }),
    ]);

  it('builds, names weights and learns a position task by gradient descent', () => {
    const model = make();
    model.build([64]);
    expect(model.weights.map((w) => [w.path, w.shape])).toEqual([
      ['convA/kernel', [3, 3, 1, 4]],
      ['convA/bias', [4]],
      ['convB/kernel', [2, 2, 2, 4]],
      ['convB/bias', [4]],
      ['out/kernel', [36, 2]],
      ['out/bias', [2]],
    ]);
    expect(model.outputShape).toEqual([2]);
    let weights = model.initWeights(3);
    const { x, y } = batch(32, 9);
    const lossOf = (w: readonly Tensor[]) =>
      ops
        .logSoftmax(model.apply(w, x, INFERENCE, { logits: true }), -1)
        .mul(y)
        .sum()
        .neg()
        .div(32);
    const initial = lossOf(weights).item();
    for (let step = 0; step < 40; step++) {
      const loss = lossOf(weights);
      const grads = grad(loss, weights);
      weights = materialize(weights.map((w, i) => w.sub(grads[i]!.mul(0.5))));
    }
    const final = lossOf(weights).item();
    // chance level is ln 2 ≈ 0.69; the task is easy for a conv net
    expect(initial).toBeGreaterThan(0.5);
    expect(final).toBeLessThan(0.3 * initial);
    const test = batch(32, 77);
    const predicted = model.apply(weights, test.x, INFERENCE).argMax(-1).toArray();
    const truth = test.y.argMax(-1).toArray();
    expect(predicted.filter((p, i) => p === truth[i]).length).toBeGreaterThanOrEqual(28);
  });

  it('every registry entry builds the class it is named after', () => {
    for (const [name, make] of Object.entries(CONV_LAYERS)) {
      const config = name === 'Conv2D' ? { filters: 1, kernelSize: [1, 1] } : {};
      expect(make(config).className).toBe(name);
    }
    expect(new GlobalAveragePooling2D().className).toBe('GlobalAveragePooling2D');
  });
});
