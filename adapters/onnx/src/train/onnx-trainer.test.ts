import {
  flattenState,
  grad,
  lossFromConfig,
  ops,
  optimizerFromConfig,
  ReferenceBackend,
  realize,
  rebuildState,
  Tensor,
  type TypedArray,
} from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { trainLoopModel } from '../export/train-loop.ts';
import { OnnxTrainer } from './onnx-trainer.ts';

// A 3-4-2 MLP, batch 6, MSE, SGD with momentum.
const PARAMS = [
  { name: 'w1', shape: [3, 4] },
  { name: 'b1', shape: [4] },
  { name: 'w2', shape: [4, 2] },
];
const forward = ([w1, b1, w2]: readonly Tensor[], x: Tensor) => ops.tanh(x.matmul(w1!).add(b1!)).matmul(w2!);
const init = PARAMS.map((p, k) =>
  Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i + 3 * k) * 0.5),
);
const X = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i));
const Y = Float32Array.from({ length: 12 }, (_, i) => (i % 3) - 1);
const OPT = { name: 'sgd', lr: 0.1, momentum: 0.9 };

function referenceLosses(steps: number): number[] {
  const ref = new ReferenceBackend();
  const opt = optimizerFromConfig(OPT);
  const mse = lossFromConfig({ name: 'mse' });
  let params = PARAMS.map((p, i) => Tensor.fromData(init[i]!, p.shape));
  let state = opt.init(params);
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = mse.compute(Tensor.fromData(Y, [6, 2]), forward(params, Tensor.fromData(X, [6, 3])));
    const next = opt.step(params, grad(loss, params), state);
    const leaves = flattenState(next.state.inner).map((l) => l.tensor);
    const values = realize([loss, ...next.params, ...leaves], ref);
    out.push(values[0]![0]!);
    params = PARAMS.map((p, i) => Tensor.fromData(values[1 + i]!, p.shape));
    const st = leaves.map((l, i) => Tensor.fromData(values[1 + PARAMS.length + i]!, l.shape, l.dtype));
    state = { step: next.state.step, inner: rebuildState(next.state.inner, st) };
  }
  return out;
}

describe('OnnxTrainer: forward, backward and update in one session.run', () => {
  const spec = {
    params: PARAMS,
    x: { shape: [6, 3] },
    y: { shape: [6, 2] },
    forward,
    loss: { name: 'mse' },
    optimizer: OPT,
  };

  it('follows the reference training run step for step', () => {
    const trainer = new OnnxTrainer(spec);
    let state = trainer.init(init);
    const got: number[] = [];
    for (let s = 0; s < 8; s++) {
      const r = trainer.step(state, X, Y);
      got.push(r.loss);
      state = r.state;
    }
    const want = referenceLosses(8);
    got.forEach((l, s) => {
      expect(l, `loss at step ${s}`).toBeCloseTo(want[s]!, 6);
    });
    expect(got[7]!).toBeLessThan(got[0]!);
    expect(state.step).toBe(8);
    trainer.release();
  });

  it('stepAsync gives the same step', async () => {
    const trainer = new OnnxTrainer(spec);
    const state = trainer.init(init);
    const a = trainer.step(state, X, Y);
    const b = await trainer.stepAsync(state, X, Y);
    expect(b.loss).toBe(a.loss);
    expect(b.state.params.map((p: TypedArray) => Array.from(p))).toEqual(
      a.state.params.map((p) => Array.from(p)),
    );
    trainer.release();
  });

  it('names the batch input that does not fit', () => {
    const trainer = new OnnxTrainer(spec);
    expect(() => trainer.step(trainer.init(init), new Float32Array(17), Y)).toThrow(
      /'x' has 17 values but its shape \[6,3\] needs 18/,
    );
    expect(() => trainer.init([init[0]!])).toThrow(/got 1 params, the model has 3/);
    trainer.release();
  });

  it('runSteps: K steps in one run equal K step calls bit for bit (schedule, a batch per step)', () => {
    const K = 4;
    const scheduled = {
      ...spec,
      optimizer: { name: 'adam', lr: { name: 'exponential', initial: 0.05, gamma: 0.8 } },
    };
    const single = new OnnxTrainer(scheduled);
    const looped = new OnnxTrainer(scheduled, { stepsPerRun: K });
    const xs = Float32Array.from({ length: K * 18 }, (_, i) => Math.sin(i * 0.61));
    const ys = Float32Array.from({ length: K * 12 }, (_, i) => Math.cos(i * 0.3));
    // start mid-run, so the schedule and the bias corrections see step indices other than 1
    let one = single.step(single.init(init), X, Y).state;
    let many = one;
    const losses: number[] = [];
    for (let k = 0; k < K; k++) {
      const r = single.step(one, xs.subarray(k * 18, (k + 1) * 18), ys.subarray(k * 12, (k + 1) * 12));
      losses.push(r.loss);
      one = r.state;
    }
    const r = looped.runSteps(many, xs, ys);
    many = r.state;
    expect(r.losses).toEqual(losses);
    expect(many.step).toBe(one.step);
    expect(many.params.map((p) => Array.from(p))).toEqual(one.params.map((p) => Array.from(p)));
    expect(many.optimizer.map((p) => Array.from(p))).toEqual(one.optimizer.map((p) => Array.from(p)));
    expect(() => looped.runSteps(many, X, ys)).toThrow(/'x' has 18 values but its shape \[4,6,3\] needs 72/);
    expect(() => new OnnxTrainer(spec, { stepsPerRun: 0 })).toThrow(
      /stepsPerRun must be a positive integer, got 0/,
    );
    single.release();
    looped.release();
  });

  it('runSteps: a parameter large enough for Scan fusion (a Scan inside the Loop body) stays exact', () => {
    const big = {
      params: [{ name: 'w', shape: [3, 50000] }],
      x: { shape: [2, 3] },
      y: { shape: [2, 50000] },
      forward: ([w]: readonly Tensor[], x: Tensor) => x.matmul(w!),
      loss: { name: 'mse' },
      optimizer: { name: 'adam', lr: 0.01 },
    };
    const w0 = [Float32Array.from({ length: 150000 }, (_, i) => Math.sin(i) * 0.1)];
    const xs = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i));
    const ys = Float32Array.from({ length: 200000 }, (_, i) => Math.sin(i * 0.01));
    const single = new OnnxTrainer(big);
    const looped = new OnnxTrainer(big, { stepsPerRun: 2 });
    let one = single.init(w0);
    const losses: number[] = [];
    for (let k = 0; k < 2; k++) {
      const r = single.step(one, xs.subarray(k * 6, (k + 1) * 6), ys.subarray(k * 100000, (k + 1) * 100000));
      losses.push(r.loss);
      one = r.state;
    }
    const body = trainLoopModel(big, 2).model.graph.node[0]!.attribute[0]!.g!;
    expect(body.node.some((n) => n.op_type === 'Scan')).toBe(true);
    const r = looped.runSteps(looped.init(w0), xs, ys);
    expect(r.losses).toEqual(losses);
    expect(Array.from(r.state.params[0]!)).toEqual(Array.from(one.params[0]!));
    single.release();
    looped.release();
  });
});
