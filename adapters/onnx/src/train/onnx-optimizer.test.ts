import {
  flattenState,
  optimizerFromConfig,
  ReferenceBackend,
  realize,
  rebuildState,
  Tensor,
  type TypedArray,
} from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { OnnxOptimizer } from './onnx-optimizer.ts';

/**
 * One table of optimizer configs drives the compiled step: each must follow core's optimizer on
 * the reference backend step for step (same float32 arithmetic, so the tolerance is a few ulps).
 */
const CONFIGS: readonly unknown[] = [
  { name: 'sgd', lr: 0.1 },
  { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { name: 'sgd', lr: 0.05, momentum: 0.9, dampening: 0.5 },
  { name: 'adam', lr: 0.01 },
  {
    name: 'adam',
    lr: { name: 'step', initial: 0.01, stepSize: 2, gamma: 0.5 },
    amsgrad: true,
    weightDecay: 0.1,
  },
  { name: 'adam', lr: 0.01, epsilonStyle: 'keras', eps: 0.1 },
  { name: 'adamw', lr: 0.01 },
  { name: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 },
  { name: 'adagrad', lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 },
  { name: 'lion', lr: 0.001, weightDecay: 0.1 },
  { name: 'lamb', lr: 0.01, weightDecay: 0.01 },
];

const SPECS = [
  { name: 'w', shape: [3, 4] },
  { name: 'b', shape: [4] },
];
const PARAMS = [
  Float32Array.from({ length: 12 }, (_, i) => Math.sin(i) * 0.5),
  Float32Array.from([0.1, -0.2, 0, 0.3]),
];
const gradsAt = (step: number) => [
  Float32Array.from({ length: 12 }, (_, i) => Math.cos(i + step) * 0.1),
  Float32Array.from([0.05, -0.01 * step, 0, 0.2]),
];

function referenceRun(config: unknown, steps: number): TypedArray[][] {
  const ref = new ReferenceBackend();
  const opt = optimizerFromConfig(config);
  let params = SPECS.map((s, i) => Tensor.fromData(PARAMS[i]!, s.shape));
  let state = opt.init(params);
  const out: TypedArray[][] = [];
  for (let s = 0; s < steps; s++) {
    const grads = gradsAt(s).map((g, i) => Tensor.fromData(g, SPECS[i]!.shape));
    const next = opt.step(params, grads, state);
    const leaves = flattenState(next.state.inner).map((l) => l.tensor);
    const values = realize([...next.params, ...leaves], ref);
    params = values.slice(0, 2).map((v, i) => Tensor.fromData(v, SPECS[i]!.shape));
    const stateTensors = leaves.map((l, i) => Tensor.fromData(values[2 + i]!, l.shape, l.dtype));
    state = { step: next.state.step, inner: rebuildState(next.state.inner, stateTensors) };
    out.push(values.slice(0, 2));
  }
  return out;
}

describe('OnnxOptimizer: one fused session.run per step', () => {
  for (const config of CONFIGS) {
    it(`${JSON.stringify(config)} follows the reference for 4 steps`, () => {
      const want = referenceRun(config, 4);
      const opt = new OnnxOptimizer(config, SPECS);
      let params: TypedArray[] = PARAMS.map((p) => p.slice());
      let state = opt.init(params);
      for (let s = 0; s < 4; s++) {
        ({ params, state } = opt.step(params, gradsAt(s), state));
        params.forEach((p, i) => {
          Array.from(p).forEach((v, j) => {
            expect(v, `step ${s} param ${i}[${j}]`).toBeCloseTo(want[s]![i]![j]!, 6);
          });
        });
      }
      expect(state.step).toBe(4);
      opt.release();
    });
  }

  it('steps asynchronously through the public API with the same result', async () => {
    const opt = new OnnxOptimizer({ name: 'adam', lr: 0.01 }, SPECS);
    const state = opt.init(PARAMS);
    const sync = opt.step(PARAMS, gradsAt(0), state);
    const async = await opt.stepAsync(PARAMS, gradsAt(0), state);
    expect(async.params.map((p) => Array.from(p))).toEqual(sync.params.map((p) => Array.from(p)));
    opt.release();
  });

  it('round-trips its state through core OptimizerState', () => {
    const opt = new OnnxOptimizer({ name: 'adam', lr: 0.01 }, SPECS);
    const { state } = opt.step(PARAMS, gradsAt(0), opt.init(PARAMS));
    const core = opt.toOptimizerState(state, PARAMS);
    expect(core.step).toBe(1);
    const back = opt.fromOptimizerState(core);
    expect(back.tensors.map((t) => Array.from(t))).toEqual(state.tensors.map((t) => Array.from(t)));
    opt.release();
  });

  it('refuses wrong counts, dtypes and sizes before onnxruntime runs', () => {
    const opt = new OnnxOptimizer({ name: 'sgd', lr: 0.1 }, SPECS);
    const state = opt.init(PARAMS);
    expect(() => opt.step([PARAMS[0]!], gradsAt(0), state)).toThrow(/got 1 params for 2 parameters/);
    expect(() => opt.step(PARAMS, [gradsAt(0)[0]!, new Float32Array(3)], state)).toThrow(
      /'grads.b' has 3 values but its shape \[4\] needs 4/,
    );
    expect(() => opt.step(PARAMS, [Float64Array.from(gradsAt(0)[0]!), gradsAt(0)[1]!], state)).toThrow(
      /'grads.w' is float32 and needs a Float32Array, got Float64Array/,
    );
    opt.release();
  });

  it('refuses ZooKeeper, which synchronises replicas between steps', () => {
    expect(() => new OnnxOptimizer({ name: 'zookeeper', lr: 0.1 }, SPECS)).toThrow(
      /no single-replica transform/,
    );
  });
});
