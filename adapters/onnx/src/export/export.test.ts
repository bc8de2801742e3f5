import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  flattenState,
  grad,
  lossFromConfig,
  ops,
  optimizerFromConfig,
  ReferenceBackend,
  realize,
  rebuildState,
  regularizerFromConfig,
  Tensor,
  type TypedArray,
} from '@reptile/core';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../proto/schema.ts';
import { checkWithOnnx } from '../testing/onnx-checker.ts';
import { lossProgram, regularizerProgram } from './loss.ts';
import { optimizerStepProgram } from './optimizer-step.ts';
import { trainLoopModel } from './train-loop.ts';
import { type TrainStepSpec, trainStepProgram } from './train-step.ts';
import { writeModel, writeProgram } from './write.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-onnx-export-'));
const written: string[] = [];
const write = (file: string, program: Parameters<typeof writeProgram>[1]) => {
  const path = join(dir, file);
  writeProgram(path, program);
  written.push(path);
  return path;
};

// A 4-8-3 MLP, batch 8, cross-entropy on class indices, L2 on w1, Adam.
const PARAMS = [
  { name: 'w1', shape: [4, 8] },
  { name: 'b1', shape: [8] },
  { name: 'w2', shape: [8, 3] },
  { name: 'b2', shape: [3] },
];
const forward = ([w1, b1, w2, b2]: readonly Tensor[], x: Tensor) =>
  ops.relu(x.matmul(w1!).add(b1!)).matmul(w2!).add(b2!);
const SPEC: TrainStepSpec = {
  params: PARAMS,
  x: { shape: [8, 4] },
  y: { shape: [8], dtype: 'int32' },
  forward,
  loss: { name: 'crossEntropy' },
  optimizer: { name: 'adam', lr: { name: 'exponential', initial: 0.05, gamma: 0.9 } },
  regularizers: [{ regularizer: { name: 'l2', l2: 0.001 }, params: ['w1'] }],
};
const init = PARAMS.map((p, k) =>
  Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 1.7 + k) * 0.4),
);
const X = Float32Array.from({ length: 32 }, (_, i) => Math.cos(i * 0.9));
const Y = Int32Array.from({ length: 8 }, (_, i) => (i * 5) % 3);

/** The same training run, eagerly on the reference backend with core's pieces. */
function referenceLosses(steps: number): number[] {
  const ref = new ReferenceBackend();
  const opt = optimizerFromConfig(SPEC.optimizer);
  const loss = lossFromConfig(SPEC.loss);
  const l2 = regularizerFromConfig({ name: 'l2', l2: 0.001 });
  let params = PARAMS.map((p, i) => Tensor.fromData(init[i]!, p.shape));
  let state = opt.init(params);
  const x = Tensor.fromData(X, [8, 4]);
  const y = Tensor.fromData(Y, [8], 'int32');
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const objective = loss.compute(y, forward(params, x)).add(l2.penalty(params[0]!));
    const grads = grad(objective, params);
    const next = opt.step(params, grads, state);
    const leaves = flattenState(next.state.inner).map((l) => l.tensor);
    const values = realize([objective, ...next.params, ...leaves], ref);
    losses.push(values[0]![0]!);
    params = PARAMS.map((p, i) => Tensor.fromData(values[1 + i]!, p.shape));
    const st = leaves.map((l, i) => Tensor.fromData(values[1 + PARAMS.length + i]!, l.shape, l.dtype));
    state = { step: next.state.step, inner: rebuildState(next.state.inner, st) };
  }
  return losses;
}

describe('exported artifacts', () => {
  afterAll(() => {
    // every file written above passes the official checker with full_check (shape inference too)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('train step: runs from the file alone in a fresh session and follows the reference loss curve', async () => {
    const path = write('train_step.onnx', trainStepProgram(SPEC));
    const session = await ort.InferenceSession.create(path);
    const stateInputs = session.inputNames.filter((n) => n.startsWith('state.'));
    expect(session.inputNames).toEqual([
      'params.w1',
      'params.b1',
      'params.w2',
      'params.b2',
      ...stateInputs,
      'x',
      'y',
      'step',
      'lr',
    ]);
    // adam is chain(addWeightDecay, scaleByAdam, ...): its moments live at chain position 1
    expect(stateInputs).toEqual(
      [0, 1, 2, 3].map((i) => `state.1.m.${i}`).concat([0, 1, 2, 3].map((i) => `state.1.v.${i}`)),
    );
    expect(session.outputNames).toEqual([
      ...PARAMS.map((p) => `new_params.${p.name}`),
      ...stateInputs.map((s) => `new_${s}`),
      'loss',
    ]);

    const want = referenceLosses(6);
    let params: TypedArray[] = init.map((p) => p.slice());
    let state: TypedArray[] = stateInputs.map((_, i) => new Float32Array(init[i % PARAMS.length]!.length));
    const got: number[] = [];
    for (let s = 0; s < 6; s++) {
      const feeds: Record<string, ort.Tensor> = {};
      PARAMS.forEach((p, i) => {
        feeds[`params.${p.name}`] = new ort.Tensor('float32', params[i]!, p.shape);
      });
      stateInputs.forEach((n, i) => {
        feeds[n] = new ort.Tensor('float32', state[i]!, PARAMS[i % PARAMS.length]!.shape);
      });
      feeds.x = new ort.Tensor('float32', X, [8, 4]);
      feeds.y = new ort.Tensor('int32', Y, [8]);
      feeds.step = new ort.Tensor('float64', Float64Array.of(s + 1), []);
      feeds.lr = new ort.Tensor('float64', Float64Array.of(0.05 * 0.9 ** s), []);
      const out = await session.run(feeds);
      got.push((out.loss!.data as Float32Array)[0]!);
      params = PARAMS.map((p) => out[`new_params.${p.name}`]!.data as Float32Array);
      state = stateInputs.map((n) => out[`new_${n}`]!.data as Float32Array);
    }
    got.forEach((l, s) => {
      expect(l, `loss at step ${s}`).toBeCloseTo(want[s]!, 5);
    });
    expect(got[5]!).toBeLessThan(got[0]!);
    await session.release();
  });

  it('train loop: K steps in one Loop run from the file alone and equal K single steps bit for bit', async () => {
    const K = 3;
    const loopPath = join(dir, 'train_loop.onnx');
    writeModel(loopPath, trainLoopModel(SPEC, K).model);
    written.push(loopPath);
    const loop = await ort.InferenceSession.create(loopPath);
    const single = await ort.InferenceSession.create(
      write('train_step_for_loop.onnx', trainStepProgram(SPEC)),
    );
    expect(loop.inputNames).toEqual(single.inputNames);
    expect(loop.outputNames).toEqual(single.outputNames);
    const stateInputs = single.inputNames.filter((n) => n.startsWith('state.'));
    // a different batch and learning rate per step, so that a mix-up of iterations shows
    const xs = Float32Array.from({ length: K * 32 }, (_, i) => Math.cos(i * 0.37));
    const ys = Int32Array.from({ length: K * 8 }, (_, i) => (i * 7) % 3);
    const lrs = Float64Array.from({ length: K }, (_, s) => 0.05 * 0.9 ** (s + 4));
    const start = (): Record<string, ort.Tensor> => {
      const feeds: Record<string, ort.Tensor> = {};
      PARAMS.forEach((p, i) => {
        feeds[`params.${p.name}`] = new ort.Tensor('float32', init[i]!.slice(), p.shape);
      });
      stateInputs.forEach((n, i) => {
        const p = PARAMS[i % PARAMS.length]!;
        feeds[n] = new ort.Tensor(
          'float32',
          init[i % PARAMS.length]!.map((v) => v * v),
          p.shape,
        );
      });
      feeds.step = new ort.Tensor('float64', Float64Array.of(5), []);
      return feeds;
    };
    let feeds = start();
    const losses: number[] = [];
    for (let s = 0; s < K; s++) {
      feeds.x = new ort.Tensor('float32', xs.subarray(s * 32, (s + 1) * 32), [8, 4]);
      feeds.y = new ort.Tensor('int32', ys.subarray(s * 8, (s + 1) * 8), [8]);
      feeds.lr = new ort.Tensor('float64', lrs.subarray(s, s + 1), []);
      const out = await single.run(feeds);
      losses.push((out.loss!.data as Float32Array)[0]!);
      const next: Record<string, ort.Tensor> = {
        step: new ort.Tensor('float64', Float64Array.of(6 + s), []),
      };
      for (const n of single.inputNames.filter((i) => i.startsWith('params.') || i.startsWith('state.')))
        next[n] = out[`new_${n}`]!;
      feeds = next;
    }
    const looped = await loop.run({
      ...start(),
      x: new ort.Tensor('float32', xs, [K, 8, 4]),
      y: new ort.Tensor('int32', ys, [K, 8]),
      lr: new ort.Tensor('float64', lrs, [K]),
    });
    expect(Array.from(looped.loss!.data as Float32Array)).toEqual(losses);
    for (const n of single.outputNames.filter((o) => o !== 'loss'))
      expect(Array.from(looped[n]!.data as Float32Array), n).toEqual(
        Array.from(feeds[n.slice(4)]!.data as Float32Array),
      );
    expect(decodeModel(writeModel(loopPath, trainLoopModel(SPEC, K).model)).metadata_props).toContainEqual({
      key: 'reptile.steps',
      value: '3',
    });
    expect(() => trainLoopModel(SPEC, 0)).toThrow(/steps per run must be a positive integer, got 0/);
    await Promise.all([loop.release(), single.release()]);
  });

  it('optimizer step, loss and regularizer graphs carry their config and documented names', () => {
    const opt = decodeModel(
      writeProgram(
        join(dir, 'adam_step.onnx'),
        optimizerStepProgram({ name: 'adam', amsgrad: true }, PARAMS.slice(0, 2)),
      ),
    );
    written.push(join(dir, 'adam_step.onnx'));
    expect(opt.graph.input.map((i) => i.name)).toEqual([
      'params.w1',
      'params.b1',
      'grads.w1',
      'grads.b1',
      'state.1.m.0',
      'state.1.m.1',
      'state.1.v.0',
      'state.1.v.1',
      'state.1.vMax.0',
      'state.1.vMax.1',
      'step',
      'lr',
    ]);
    expect(opt.metadata_props.find((m) => m.key === 'reptile.optimizer')?.value).toContain('"amsgrad":true');
    const loss = decodeModel(
      writeProgram(
        join(dir, 'ce.onnx'),
        lossProgram(
          { name: 'crossEntropy', labelSmoothing: 0.1 },
          { shape: [5], dtype: 'int32' },
          { shape: [5, 4] },
        ),
      ),
    );
    written.push(join(dir, 'ce.onnx'));
    expect(loss.graph.output.map((o) => o.name)).toEqual(['loss', 'grad_y_pred']);
    const reg = decodeModel(
      writeProgram(join(dir, 'l1l2.onnx'), regularizerProgram({ name: 'l1l2' }, { shape: [3, 3] })),
    );
    written.push(join(dir, 'l1l2.onnx'));
    expect(reg.graph.input.map((i) => i.name)).toEqual(['weights']);
    expect(reg.graph.output.map((o) => o.name)).toEqual(['penalty', 'grad_weights']);
  });

  it('every exported file passes onnx.checker.check_model(full_check=True)', () => {
    expect(written.length).toBeGreaterThanOrEqual(4);
    const out = checkWithOnnx(written);
    for (const p of written) expect(out).toContain(`ok ${p}`);
  });

  it('writes atomically: a failed write leaves no temporary file and says what to check', () => {
    const missing = join(dir, 'no-such-dir', 'x.onnx');
    expect(() => writeProgram(missing, regularizerProgram({ name: 'l2' }, { shape: [2] }))).toThrow(
      /could not write .*x\.onnx.*directory exists and is writable/,
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
