import { describe, expect, it } from 'vitest';
import { ReptileError } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { deserializeTrainerState, serializeTrainerState } from './state-io.ts';
import { Trainer, type TrainerState } from './trainer.ts';

const x = Tensor.fromData([1, 0, 0, 1, 1, 1, 2, -1], [4, 2], 'float64');
const y = Tensor.fromData([1, 2, 3, 0], [4, 1], 'float64'); // y = x·[1, 2]ᵀ
const forward = ([w]: readonly Tensor[]) => x.matmul(w!);
const start = () => [Tensor.zeros([2, 1], 'float64')];
const bits = (ts: readonly Tensor[]) => ts.map((t) => Array.from(new Uint8Array(t.data().buffer)));

describe('Trainer', () => {
  it('trains a linear model to its exact solution with adam', () => {
    // a constant-lr Adam keeps oscillating at the scale of lr; the cosine decay lets it settle
    const schedule = { name: 'cosine', peak: 0.2, decaySteps: 600 };
    const trainer = new Trainer({ optimizer: { name: 'adam' }, schedule, loss: { name: 'mse' } }, ['w']);
    let params = start();
    let state = trainer.init(params);
    let loss = Infinity;
    for (let i = 0; i < 600; i++) ({ params, state, loss } = trainer.step(params, forward, y, state));
    expect(loss).toBeLessThan(1e-6);
    expect(params[0]!.toArray()[0]).toBeCloseTo(1, 3);
    expect(params[0]!.toArray()[1]).toBeCloseTo(2, 3);
  });

  it('sgd step equals the hand-computed gradient step', () => {
    // mse = mean((xw − y)²); at w = 0 its gradient is (2/4)·xᵀ(0 − y)
    const trainer = new Trainer({ optimizer: { name: 'sgd', lr: 0.01 }, loss: { name: 'mse' } }, ['w']);
    const params = start();
    const { params: next } = trainer.step(params, forward, y, trainer.init(params));
    const xty = [1 * 1 + 0 * 2 + 1 * 3 + 2 * 0, 0 * 1 + 1 * 2 + 1 * 3 - 1 * 0];
    expect(next[0]!.toArray()).toEqual(xty.map((v) => 0 - 0.01 * ((-2 / 4) * v)));
  });

  it("nonFinite 'error' names the parameter and leaves params and state as they were", () => {
    const trainer = new Trainer({ optimizer: { name: 'adam' } }, ['w', 'b']);
    const params = [Tensor.zeros([2], 'float64'), Tensor.zeros([1], 'float64')];
    const state = trainer.init(params);
    const good = [Tensor.fromData([1, 1], [2], 'float64'), Tensor.fromData([1], [1], 'float64')];
    const bad = [Tensor.fromData([1, 1], [2], 'float64'), Tensor.fromData([Number.NaN], [1], 'float64')];
    expect(() => trainer.apply(params, bad, state)).toThrow(
      /non-finite gradient entries in b \(1 of 1\).*left unchanged/,
    );
    // the failed call changed nothing: continuing gives the same result as never having failed
    const after = trainer.apply(params, good, state);
    const fresh = trainer.apply(params, good, trainer.init(params));
    expect(bits(after.params)).toEqual(bits(fresh.params));
  });

  it("nonFinite 'skip' skips the update and counts it", () => {
    const trainer = new Trainer({ optimizer: { name: 'sgd', lr: 1 }, nonFinite: 'skip' }, ['w']);
    const params = [Tensor.fromData([1, 2], [2], 'float64')];
    const r = trainer.apply(params, [Tensor.fromData([Infinity, 0], [2], 'float64')], trainer.init(params));
    expect(r.applied).toBe(false);
    expect(r.params[0]!.toArray()).toEqual([1, 2]);
    expect(r.state.skipped).toBe(1);
    expect(r.state.optimizer.step).toBe(0);
  });

  it('accumulates N micro-batches into one update with their mean', () => {
    const trainer = new Trainer({ optimizer: { name: 'sgd', lr: 1 }, accumulate: 2 }, ['w']);
    const params = [Tensor.fromData([10, 10], [2], 'float64')];
    const s0 = trainer.init(params);
    const r1 = trainer.apply(params, [Tensor.fromData([1, 2], [2], 'float64')], s0);
    expect(r1.applied).toBe(false);
    expect(r1.params[0]!.toArray()).toEqual([10, 10]);
    const r2 = trainer.apply(r1.params, [Tensor.fromData([3, 6], [2], 'float64')], r1.state);
    expect(r2.applied).toBe(true);
    expect(r2.params[0]!.toArray()).toEqual([8, 6]);
    expect(r2.state.optimizer.step).toBe(1);
  });

  it('clips by value, then by global norm', () => {
    const trainer = new Trainer({ optimizer: { name: 'sgd', lr: 1 }, clip: { value: 3, globalNorm: 2.5 } }, [
      'w',
    ]);
    const params = [Tensor.fromData([0, 0], [2], 'float64')];
    // [4, −10] → by value [3, −3] → norm 3√2 > 2.5 → scaled by 2.5/(3√2)
    const r = trainer.apply(params, [Tensor.fromData([4, -10], [2], 'float64')], trainer.init(params));
    const s = 2.5 / (3 * Math.SQRT2);
    expect(r.params[0]!.toArray()[0]).toBeCloseTo(-3 * s, 14);
    expect(r.params[0]!.toArray()[1]).toBeCloseTo(3 * s, 14);
  });

  it('keeps an EMA of the parameters', () => {
    const trainer = new Trainer({ optimizer: { name: 'sgd', lr: 1 }, ema: { decay: 0.5 } }, ['w']);
    const params = [Tensor.fromData([0], [1], 'float64')];
    const g = [Tensor.fromData([-4], [1], 'float64')];
    const r1 = trainer.apply(params, g, trainer.init(params)); // p = 4, ema = 0.5·0 + 0.5·4 = 2
    const r2 = trainer.apply(r1.params, g, r1.state); // p = 8, ema = 0.5·2 + 0.5·8 = 5
    expect(r2.state.ema![0]!.toArray()).toEqual([5]);
  });

  it('applies regularizers only to the parameters they name', () => {
    const trainer = new Trainer(
      {
        optimizer: { name: 'sgd', lr: 1 },
        loss: { name: 'mse' },
        regularizers: [{ regularizer: { name: 'l2', l2: 0.5 }, params: ['w'] }],
      },
      ['w', 'b'],
    );
    const w = Tensor.fromData([2], [1, 1], 'float64');
    const b = Tensor.fromData([3], [1], 'float64');
    const one = Tensor.fromData([0], [1, 1], 'float64');
    // yPred = 0·w + b = 3, yTrue = 0: mse = 9; penalty = 0.5·w² = 2 (b is not penalised)
    const value = trainer.objective(one, one.matmul(w).add(b), [w, b]);
    expect(value.item()).toBe(11);
    expect(
      () =>
        new Trainer(
          { optimizer: { name: 'sgd' }, regularizers: [{ regularizer: { name: 'l2' }, params: ['v'] }] },
          ['w'],
        ),
    ).toThrow(/recipe.regularizers\[0\].params: unknown parameter 'v'/);
  });

  it('resumes from a serialized state bit-identically (through JSON)', () => {
    const recipe = {
      optimizer: { name: 'adam', amsgrad: true },
      loss: { name: 'huber' },
      schedule: { name: 'cosine', peak: 0.05, decaySteps: 10, warmupSteps: 2 },
      accumulate: 2,
      ema: { decay: 0.9 },
    };
    const trainer = new Trainer(recipe, ['w']);
    let params = start();
    let state: TrainerState = trainer.init(params);
    const run = (p: Tensor[], s: TrainerState, n: number) => {
      for (let i = 0; i < n; i++) ({ params: p, state: s } = trainer.step(p, forward, y, s));
      return { p, s };
    };
    ({ p: params, s: state } = run(params, state, 3)); // mid-accumulation
    const saved = JSON.stringify({
      params: params.map((t) => Array.from(t.data())),
      state: serializeTrainerState(state),
    });
    const straight = run(params, state, 6);
    const loaded = JSON.parse(saved) as { params: number[][]; state: unknown };
    const resumed = run(
      [Tensor.fromData(loaded.params[0]!, [2, 1], 'float64')],
      deserializeTrainerState(loaded.state),
      6,
    );
    expect(bits(resumed.p)).toEqual(bits(straight.p));
    expect(bits(resumed.s.ema!)).toEqual(bits(straight.s.ema!));
  });

  it('checks parameter and gradient counts', () => {
    const trainer = new Trainer({ optimizer: { name: 'sgd' } }, ['w']);
    expect(() => trainer.init([])).toThrow(ReptileError);
    const p = start();
    expect(() => trainer.apply(p, [], trainer.init(p))).toThrow(/got 0 gradients for 1 parameters \(w\)/);
  });
});
