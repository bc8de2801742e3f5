import { type OptimizerConfig, ReptileError, type TypedArray } from '@reptile/core';
import { afterAll, describe, expect, it } from 'vitest';
import { layers } from '../api/layers.ts';
import { fuseOutput, Loss } from '../api/loss.ts';
import { Optimizer, type OptimizerSpec } from '../api/optimizer.ts';
import { Data } from '../data/data.ts';
import type { Dataset } from '../data/dataset.ts';
import { Model } from '../model/model.ts';
import './builtin.ts';
import { getFrontend, type TrainProgram } from './frontend.ts';
import type { TracedFrontend } from './traced-session.ts';

/**
 * Every traced frontend against the reference frontend, which runs the same protocol program
 * eagerly on the pure-TS backend. 'torch' needs Python with torch; as everywhere in the torch
 * adapter's tests (adapters/torch/src/testing), a missing torch fails loudly with what to install.
 */
const FRONTENDS = ['onnx', 'tfjs-cpu', 'tfjs-wasm', 'torch'] as const;

afterAll(async () => {
  for (const name of FRONTENDS) await ((await getFrontend(name)) as TracedFrontend).close();
});

// 12 rows, 4 features, 3 classes; batch 4 gives 3 steps per epoch.
const ROWS = Array.from({ length: 12 }, (_, r) => [0, 1, 2, 3].map((c) => Math.sin(r * 1.3 + c * 0.7) * 2));
const LABELS = ROWS.map((_, r) => r % 3);
const data = (): Dataset => Data.fromArrays(ROWS, LABELS);

function smallModel(frontend: string, dropout: boolean): Model {
  const model = new Model({ frontend, seed: 7 });
  model.add(layers.Dense(5, { activation: 'relu' }));
  if (dropout) model.add(layers.Dropout(0.4));
  model.add(layers.Dense(3, { activation: 'softmax' }));
  return model;
}

async function trainThreeSteps(frontend: string, optimizer: OptimizerSpec, dropout: boolean) {
  const model = smallModel(frontend, dropout);
  const history = await model.fit(data(), { optimizer, batchSize: 4, epochs: 1, verbose: 'quiet' });
  return { model, loss: history.epochs[0]!.loss! };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, atol = 2e-6): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = atol + 2e-5 * Math.abs(want[i]!);
    expect(Math.abs(got[i]! - want[i]!), `${what}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  }
}

const OPTIMIZERS: readonly [string, () => OptimizerSpec][] = [
  ['SGD with momentum', () => Optimizer.SGD({ lr: 0.1, momentum: 0.9 })],
  ['Adam', () => Optimizer.Adam({ lr: 0.05 })],
  ['ZooKeeper', () => Optimizer.ZooKeeper({ lr: 0.2 })],
];

describe.each(FRONTENDS)("the '%s' frontend", (frontend) => {
  it.each(OPTIMIZERS)('matches the reference frontend after 3 steps of %s (with Dropout)', async (_, opt) => {
    const want = await trainThreeSteps('reference', opt(), true);
    const got = await trainThreeSteps(frontend, opt(), true);
    expect(got.model.weightValues!.length).toBe(4);
    got.model.weightValues!.forEach((w, i) => {
      expectClose(w, want.model.weightValues![i]!, `param ${i}`);
    });
    expect(got.loss).toBeCloseTo(want.loss, 5);
    // The weights moved: three real updates happened on both.
    const initial = smallModel('reference', true);
    initial.build([4]);
    expect(Math.abs(got.model.weightValues![0]![0]! - initial.weightValues![0]![0]!)).toBeGreaterThan(1e-4);
  });

  it('predicts and evaluates like the reference frontend', async () => {
    const { model } = await trainThreeSteps('reference', Optimizer.Adam({ lr: 0.05 }), false);
    const same = smallModel(frontend, false);
    same.build([4], model.normalizer);
    same.setWeights(model.getWeights());
    const want = await model.predict(data());
    const got = await same.predict(data());
    expect(got.shape).toEqual([12, 3]);
    expectClose(got.values, want.values, 'probabilities');
    expect([...got.classes!]).toEqual([...want.classes!]);
    expect(await same.evaluate(data())).toBe(await model.evaluate(data()));
  });

  it('takes one plain SGD step exactly as the closed form says', async () => {
    // y = x·w + b, MSE, SGD: w ← w − lr·(2/N)·xᵀ(x·w + b − y), computed here in float64.
    const x = [
      [1, 2],
      [3, -1],
      [0.5, 0.25],
    ];
    const y = [1, -2, 0.5];
    const model = new Model({ frontend, seed: 3 });
    model.add(layers.Dense(1));
    const set = Data.fromArrays(x, y, { normalize: 'none' });
    model.build([2]);
    const [w0, b0] = model.weightValues! as Float32Array[];
    const residual = x.map((row, r) => row[0]! * w0![0]! + row[1]! * w0![1]! + b0![0]! - y[r]!);
    const lr = 0.1;
    const wantW = [0, 1].map(
      (j) => w0![j]! - lr * (2 / 3) * residual.reduce((s, e, r) => s + e * x[r]![j]!, 0),
    );
    const wantB = b0![0]! - lr * (2 / 3) * residual.reduce((s, e) => s + e, 0);
    await model.fit(set, {
      optimizer: Optimizer.SGD({ lr }),
      batchSize: 3,
      epochs: 1,
      shuffle: false,
      verbose: 'quiet',
    });
    expectClose(model.weightValues![0]!, wantW, 'kernel', 1e-6);
    expectClose(model.weightValues![1]!, [wantB], 'bias', 1e-6);
  });

  it('leaves params and optimizer state unchanged when a step has a non-finite loss', async () => {
    const model = smallModel(frontend, false);
    model.build([4]);
    const program: TrainProgram = {
      params: model.params,
      inputShape: [4],
      forward: model.forward(true),
      loss: fuseOutput(Loss.CrossEntropy().config, 'softmax').loss,
      optimizer: Optimizer.Adam({ lr: 0.05 }).config,
      regularizers: [],
      seed: 1,
    };
    const session = await (await getFrontend(frontend)).train(program, model.weightValues!);
    const x = Float32Array.from(ROWS.slice(0, 4).flat());
    const y = Int32Array.from(LABELS.slice(0, 4));
    await session.step({ x, xShape: [4, 4], y, yShape: [4] });
    const before = await session.weights();
    const state = JSON.stringify(session.exportState());
    const bad = x.slice();
    bad[5] = Number.POSITIVE_INFINITY;
    await expect(session.step({ x: bad, xShape: [4, 4], y, yShape: [4] })).rejects.toThrow(ReptileError);
    const after = await session.weights();
    after.forEach((w, i) => {
      expect([...w]).toEqual([...before[i]!]);
    });
    expect(JSON.stringify(session.exportState())).toBe(state);
    expect(session.steps).toBe(1);
    session.dispose();
  });

  it('updates non-trainable state from the forward pass, never through the optimizer', async () => {
    // A BatchNorm-like running mean: non-trainable, replaced by 0.5·old + 0.5·batch mean.
    const program = (optimizer: OptimizerConfig): TrainProgram => ({
      params: [
        { name: 'w', shape: [2, 1], dtype: 'float32', trainable: true },
        { name: 'mean', shape: [2], dtype: 'float32', trainable: false },
      ],
      inputShape: [2],
      forward: ([w, mean], x, ctx) => {
        ctx.updates?.set('mean', mean!.mul(0.5).add(x.mean([0]).mul(0.5)));
        return x.sub(mean!).matmul(w!);
      },
      loss: { name: 'mse', reduction: 'mean' },
      optimizer,
      regularizers: [],
      seed: 0,
    });
    const initial: TypedArray[] = [Float32Array.of(0.5, -0.25), Float32Array.of(1, 2)];
    const batches = [
      [3, 4, 5, 8],
      [1, 0, -1, 2],
    ];
    const run = async (name: string) => {
      const session = await (await getFrontend(name)).train(
        program(Optimizer.AdamW({ lr: 0.1, weightDecay: 0.5 }).config),
        initial,
      );
      for (const b of batches)
        await session.step({
          x: Float32Array.from(b),
          xShape: [2, 2],
          y: Float32Array.of(1, 0),
          yShape: [2, 1],
        });
      const w = await session.weights();
      session.dispose();
      return w;
    };
    const got = await run(frontend);
    const want = await run('reference');
    // Hand: mean = (1,2) → 0.5·(1,2) + 0.5·(4,6) = (2.5,4) → 0.5·(2.5,4) + 0.5·(0,1) = (1.25,2.5);
    // AdamW's weight decay would have pulled it toward zero had the optimizer touched it.
    expectClose(got[1]!, [1.25, 2.5], 'running mean', 1e-6);
    expectClose(got[0]!, want[0]!, 'w');
  });
});

describe('the traced step feeds Dropout noise per step', () => {
  it('gives different masks on two steps with the same batch, as the reference frontend does', async () => {
    const outputs = async (frontend: string) => {
      const model = smallModel(frontend, true);
      model.build([4]);
      const program: TrainProgram = {
        params: model.params,
        inputShape: [4],
        forward: model.forward(true),
        loss: fuseOutput(Loss.CrossEntropy().config, 'softmax').loss,
        optimizer: Optimizer.SGD({ lr: 0 }).config,
        regularizers: [],
        seed: 11,
      };
      const session = await (await getFrontend(frontend)).train(program, model.weightValues!);
      const batch = {
        x: Float32Array.from(ROWS.slice(0, 4).flat()),
        xShape: [4, 4],
        y: Int32Array.of(0, 1, 2, 0),
        yShape: [4],
      };
      const a = (await session.step(batch)).output!;
      const b = (await session.step(batch)).output!;
      session.dispose();
      return [a, b] as const;
    };
    const [a, b] = await outputs('onnx');
    const [ra, rb] = await outputs('reference');
    // lr 0: the weights never change, so any difference between the steps is the noise.
    expect([...a].some((v, i) => Math.abs(v - b[i]!) > 1e-4)).toBe(true);
    expectClose(a, ra, 'step 1 logits');
    expectClose(b, rb, 'step 2 logits');
  });
});
