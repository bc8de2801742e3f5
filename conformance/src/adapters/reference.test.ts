import { describe, expect, it } from 'vitest';
import { parseCase } from '../case.ts';
import { hostTensor } from '../host-tensor.ts';
import { runCase } from '../runner.ts';
import { SGD_CASE } from '../testing.ts';
import { createReferenceAdapter } from './reference.ts';

const reference = createReferenceAdapter();
const f32 = (xs: number[], shape = [xs.length]) => hostTensor(xs, shape);

describe('reference adapter', () => {
  it('passes a hand-computed SGD case through the runner', async () => {
    const r = await runCase(reference, parseCase(SGD_CASE));
    expect(r.status).toBe('pass');
    // float32 steps: within 1 ulp (2^-22 ≈ 2.4e-7) of the exact 0.95, 2.1, 0.9, 2.2
    expect(r.maxAbsErr!).toBeLessThanOrEqual(2 ** -22);
  });

  it('takes Adam’s first step as p − lr·g/(|g| + eps) (bias corrections cancel)', async () => {
    const [[p]] = (await reference.optimizer(
      { name: 'adam', lr: 0.1 },
      [f32([1, -3])],
      [[f32([2, -0.5])]],
    )) as [[ReturnType<typeof f32>]];
    // Each float32 op rounds, so allow two ulps of the result (2^-24 near 0.9, 2^-22 near 2.9).
    expect(Math.abs(p.data[0]! - 0.9)).toBeLessThanOrEqual(2 * 2 ** -24);
    expect(Math.abs(p.data[1]! + 2.9)).toBeLessThanOrEqual(2 * 2 ** -22);
  });

  it('returns the reduced loss value with shape [] and its gradient', async () => {
    // mse mean of d = [0.5, −1]: (0.25 + 1)/2 = 0.625; gradient 2d/n = [0.5, −1].
    const { value, gradYPred } = await reference.loss({ name: 'mse' }, f32([1, 2]), f32([1.5, 1]));
    expect(value.shape).toEqual([]);
    expect(Array.from(value.data)).toEqual([0.625]);
    expect(Array.from(gradYPred.data)).toEqual([0.5, -1]);
  });

  it('differentiates the sum of an unreduced loss', async () => {
    const { value, gradYPred } = await reference.loss(
      { name: 'mae', reduction: 'none' },
      f32([0, 0]),
      f32([2, -3]),
    );
    expect(Array.from(value.data)).toEqual([2, 3]);
    expect(Array.from(gradYPred.data)).toEqual([1, -1]);
  });

  it('returns a regularizer penalty and its gradient', async () => {
    // l2·Σw² = 0.5·(1 + 4) = 2.5; gradient 2·l2·w = [1, −2].
    const { value, grad } = await reference.regularizer({ name: 'l2', l2: 0.5 }, f32([1, -2]));
    expect(Array.from(value.data)).toEqual([2.5]);
    expect(Array.from(grad.data)).toEqual([1, -2]);
  });

  it('evaluates a schedule at each requested step', async () => {
    const values = await reference.schedule(
      { name: 'step', initial: 1, stepSize: 2, gamma: 0.5 },
      [0, 1, 2, 3, 4],
    );
    expect(values).toEqual([1, 1, 0.5, 0.5, 0.25]);
  });

  it('simulates ZooKeeper workers: β = 1 averages the local SGD proposals', async () => {
    // step 1: proposals 1 − 0.1·[1, 3] = [0.9, 0.7] → mean 0.8; step 2: [0.7, 0.5] → 0.6.
    const g = (x: number) => [f32([x])];
    const out = await reference.zookeeper(
      { name: 'zookeeper', lr: 0.1 },
      2,
      [f32([1])],
      [
        [g(1), g(3)],
        [g(1), g(3)],
      ],
    );
    const values = out.map((step) => step.map((worker) => worker[0]!.data[0]));
    expect(values[0]![0]).toBeCloseTo(0.8, 6);
    expect(values[0]![1]).toBe(values[0]![0]);
    expect(values[1]![0]).toBeCloseTo(0.6, 6);
  });

  it('reports an invalid config as a failure of the case, with the field path', async () => {
    const c = parseCase({ ...SGD_CASE, optimizer: { name: 'sgd', lr: -1 } });
    const r = await runCase(reference, c);
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/^threw: optimizer\.lr/);
  });
});
