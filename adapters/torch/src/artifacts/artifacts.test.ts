import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optimizerFromConfig, realize, Tensor, type TypedArray } from '../core.ts';
import { difference, runPython, testWorker } from '../testing/harness.ts';
import { TorchOptimizer } from '../train/torch-optimizer.ts';
import { exportArtifact } from './artifact.ts';
import { lossArtifact, regularizerArtifact } from './loss.ts';
import { optimizerStepArtifact } from './optimizer-step.ts';
import { trainStepArtifact } from './train-step.ts';

const worker = testWorker();
afterAll(() => worker.close());
const dir = mkdtempSync(join(tmpdir(), 'reptile-torch-artifacts-'));

const PARAMS = [
  { name: 'w', shape: [3, 2], dtype: 'float32' as const },
  { name: 'b', shape: [4], dtype: 'float32' as const },
  { name: 'd', shape: [2], dtype: 'float64' as const },
];
const start = (): TypedArray[] => [
  new Float32Array([0.5, -1, 2, 0, -0.25, 3]),
  new Float32Array([1, 2, 3, 4]),
  new Float64Array([0.1, -0.7]),
];
const gradsAt = (s: number): TypedArray[] => [
  new Float32Array([0.1, -0.2, 0.3, 0, 1.5, -0.05].map((g) => g * (s + 1))),
  new Float32Array([-0.5, 0.25, 0, 2].map((g) => g / (s + 1))),
  new Float64Array([0.3 - s, 1e-3]),
];

/** The optimizer on the reference backend: three steps, realised after each. */
function referenceTrajectory(config: unknown, steps: number): TypedArray[][] {
  const opt = optimizerFromConfig(config);
  let params = start().map((d, i) => Tensor.fromData(d, PARAMS[i]!.shape, PARAMS[i]!.dtype));
  let state = opt.init(params);
  const out: TypedArray[][] = [];
  for (let s = 0; s < steps; s++) {
    const g = gradsAt(s).map((d, i) => Tensor.fromData(d, PARAMS[i]!.shape, PARAMS[i]!.dtype));
    ({ params, state } = opt.step(params, g, state));
    out.push(realize(params).map((v) => v.slice()));
  }
  return out;
}

const CONFIGS = [
  { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { name: 'adam', lr: 0.01, amsgrad: true, weightDecay: 0.1 },
  { name: 'adam', lr: { name: 'cosine', peak: 0.01, decaySteps: 3, warmupSteps: 1 } },
  { name: 'adamw', lr: 0.02, epsilonStyle: 'keras' },
  { name: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 },
  { name: 'adagrad', lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.5 },
  { name: 'lion', lr: 0.001, weightDecay: 0.1 },
  { name: 'lamb', lr: 0.01, weightDecay: 0.01 },
];

describe('optimizer step artifacts in the worker (params and state held there)', () => {
  it.each(CONFIGS.map((c) => [JSON.stringify(c), c] as const))(
    '%s matches the reference backend bit for bit',
    async (_label, config) => {
      const want = referenceTrajectory(config, 3);
      const opt = await TorchOptimizer.create(worker, config, PARAMS);
      await opt.init(start());
      for (let s = 0; s < 3; s++) {
        await opt.step(gradsAt(s));
        const got = await opt.values();
        got.forEach((g, i) => {
          expect(difference(g, want[s]![i]!), `step ${s} param ${i}`).toBeUndefined();
        });
      }
      expect(opt.stepCount).toBe(3);
      await opt.dispose();
    },
  );

  it('SGD moves by exactly −lr·g (closed form)', async () => {
    const opt = await TorchOptimizer.create(worker, { name: 'sgd', lr: 0.5 }, [
      { name: 'x', shape: [3], dtype: 'float64' },
    ]);
    await opt.init([new Float64Array([1, 2, 3])]);
    await opt.step([new Float64Array([2, -4, 0.5])]);
    expect(Array.from((await opt.values())[0]!)).toEqual([0, 4, 2.75]);
  });

  it('a failed step commits nothing: params, state and step count stay as they were', async () => {
    const opt = await TorchOptimizer.create(worker, { name: 'adam', lr: 0.1 }, [{ name: 'x', shape: [2] }]);
    await opt.init([new Float32Array([1, 2])]);
    await opt.step([new Float32Array([1, 1])]);
    const before = await opt.values();
    await expect(opt.step([new Float32Array([1, 1, 1])])).rejects.toThrow(
      /param 'x': Float32Array of 3 values does not hold float32\[2\]/,
    );
    await expect(opt.step([new Float64Array([1, 1])])).rejects.toThrow(
      /Float64Array of 2 values does not hold float32\[2\]/,
    );
    expect(opt.stepCount).toBe(1);
    expect(Array.from((await opt.values())[0]!)).toEqual(Array.from(before[0]!));
  });

  it('ZooKeeper is refused with what to do instead', () => {
    expect(() => optimizerStepArtifact({ name: 'zookeeper' }, PARAMS)).toThrow(/no single-replica transform/);
  });
});

describe('artifacts loaded by a plain PyTorch program', () => {
  it('a functional Adam step leaves its inputs alone; the in-place one updates them', () => {
    const artifact = optimizerStepArtifact({ name: 'adam', lr: 0.1 }, [{ name: 'x', shape: [2] }]);
    const functional = join(dir, 'adam.pt');
    const inPlace = join(dir, 'adam-inplace.pt');
    writeFileSync(functional, exportArtifact(artifact));
    writeFileSync(inPlace, exportArtifact(artifact, { inPlace: true }));
    const out = runPython(`
import torch, json
res = {}
for name, path in (("functional", ${JSON.stringify(functional)}), ("inplace", ${JSON.stringify(inPlace)})):
    m = torch.jit.load(path)
    x = torch.tensor([1.0, 2.0]); g = torch.tensor([0.5, -0.5])
    m_, v_ = m.init_state(x)
    new_x, new_m, new_v = m(x, g, m_, v_, torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.1, dtype=torch.float64))
    res[name] = {"x": x.tolist(), "new_x": new_x.tolist(), "same": new_x.data_ptr() == x.data_ptr()}
print(json.dumps(res))
`);
    const r = JSON.parse(out);
    // Adam's first step moves each param by lr·sign(g) (bias-corrected m/sqrt(v) = ±1 up to eps)
    const moved = [Math.fround(1 - 0.1), Math.fround(2 + 0.1)];
    expect(r.functional.x).toEqual([1, 2]);
    expect(r.functional.same).toBe(false);
    r.functional.new_x.forEach((v: number, i: number) => {
      expect(v).toBeCloseTo(moved[i]!, 6);
    });
    expect(r.inplace.same).toBe(true);
    expect(r.inplace.x).toEqual(r.inplace.new_x);
    expect(r.inplace.x).toEqual(r.functional.new_x);
  });

  it('init_state gives each optimizer its initial state (Adagrad: the initial accumulator)', async () => {
    await worker.load(
      'adagrad-init',
      exportArtifact(
        optimizerStepArtifact({ name: 'adagrad', initialAccumulatorValue: 0.25 }, [
          { name: 'x', shape: [3] },
        ]),
      ),
    );
    const [acc] = await worker.run(
      'adagrad-init',
      [{ dtype: 'float32', shape: [3], data: new Float32Array(3) }],
      { method: 'init_state' },
    );
    expect(Array.from(acc!.data)).toEqual([0.25, 0.25, 0.25]);
  });
});

describe('loss, regularizer and train step artifacts', () => {
  it('mse: mean of squares and its gradient 2(ŷ − y)/n', async () => {
    const bytes = exportArtifact(lossArtifact({ name: 'mse' }, { shape: [2, 2] }, { shape: [2, 2] }));
    await worker.load('mse', bytes);
    const y = new Float32Array([1, 2, 3, 4]);
    const p = new Float32Array([1.5, 2, 2, 6]);
    const [value, grad] = await worker.run('mse', [
      { dtype: 'float32', shape: [2, 2], data: y },
      { dtype: 'float32', shape: [2, 2], data: p },
    ]);
    expect(value!.shape).toEqual([]);
    expect(value!.data[0]).toBeCloseTo((0.25 + 0 + 1 + 4) / 4, 6);
    expect(Array.from(grad!.data)).toEqual([0.25, 0, -0.5, 1]);
  });

  it('l1l2: l1·Σ|w| + l2·Σw², gradient l1·sign(w) + 2·l2·w (0 at w = 0)', async () => {
    await worker.load(
      'l1l2',
      exportArtifact(
        regularizerArtifact({ name: 'l1l2', l1: 0.5, l2: 0.25 }, { shape: [3], dtype: 'float64' }),
      ),
    );
    const [value, grad] = await worker.run('l1l2', [
      { dtype: 'float64', shape: [3], data: new Float64Array([2, 0, -1]) },
    ]);
    expect(value!.data[0]).toBeCloseTo(0.5 * 3 + 0.25 * 5, 12);
    expect(Array.from(grad!.data)).toEqual([0.5 + 1, 0, -0.5 - 0.5]);
  });

  it('a linear-regression train step gives the closed-form loss, gradient step and state', async () => {
    const spec = {
      params: [
        { name: 'w', shape: [2, 1], dtype: 'float64' as const },
        { name: 'b', shape: [1], dtype: 'float64' as const },
      ],
      x: { shape: [3, 2], dtype: 'float64' as const },
      y: { shape: [3, 1], dtype: 'float64' as const },
      forward: ([w, b]: readonly Tensor[], x: Tensor) => x.matmul(w!).add(b!),
      loss: { name: 'mse' },
      optimizer: { name: 'sgd', lr: 0.1 },
    };
    await worker.load('train', exportArtifact(trainStepArtifact(spec), { inPlace: true }));
    const x = [1, 2, 0, 1, 3, -1];
    const y = [1, 0, 2];
    const w = [0.5, -0.5];
    const b = 0.25;
    const f64 = (data: number[], shape: number[]) => ({
      dtype: 'float64' as const,
      shape,
      data: new Float64Array(data),
    });
    const out = await worker.run('train', [
      f64(w, [2, 1]),
      f64([b], [1]),
      f64(x, [3, 2]),
      f64(y, [3, 1]),
      f64([1], []),
      f64([0.1], []),
    ]);
    // closed form: r = xw + b − y; loss = mean(r²); ∂w = 2/n·xᵀr; ∂b = 2/n·Σr
    const r = [0, 1, 2].map((i) => x[2 * i]! * w[0]! + x[2 * i + 1]! * w[1]! + b - y[i]!);
    const loss = r.reduce((s, v) => s + v * v, 0) / 3;
    const gw = [0, 1].map((j) => (2 / 3) * r.reduce((s, v, i) => s + x[2 * i + j]! * v, 0));
    const gb = (2 / 3) * r.reduce((s, v) => s + v, 0);
    expect(out.map((t) => t.shape)).toEqual([[2, 1], [1], []]);
    Array.from(out[0]!.data).forEach((v, j) => {
      expect(v).toBeCloseTo(w[j]! - 0.1 * gw[j]!, 12);
    });
    expect(out[1]!.data[0]).toBeCloseTo(b - 0.1 * gb, 12);
    expect(out[2]!.data[0]).toBeCloseTo(loss, 12);
  });
});
