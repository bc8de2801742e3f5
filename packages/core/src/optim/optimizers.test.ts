import { describe, expect, it } from 'vitest';
import type { DType } from '../dtype.ts';
import { ReptileError } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import { optimizerFromConfig } from './from-config.ts';
import type { Optimizer, OptimizerState } from './optimizer.ts';
import { deserializeOptimizerState, serializeOptimizerState } from './state-io.ts';
import { bits, settle } from './test-support.ts';

/**
 * One table drives every optimizer through the same checks: convergence in float32 and
 * float64, bit-identical resume from serialized state, several param shapes, bad inputs.
 * `steps`/`tol` are per optimizer because sign-based (Lion) and trust-ratio (LAMB) steps do not
 * shrink near the optimum the way gradient-proportional steps do.
 */
const TABLE: { config: Record<string, unknown>; steps: number; tol: number }[] = [
  { config: { name: 'sgd', lr: 0.4 }, steps: 200, tol: 1e-4 },
  {
    config: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 },
    steps: 300,
    tol: 1e-2,
  },
  { config: { name: 'sgd', lr: 0.05, momentum: 0.8, dampening: 0.3 }, steps: 300, tol: 1e-3 },
  { config: { name: 'adam', lr: 0.05 }, steps: 400, tol: 1e-2 },
  { config: { name: 'adam', lr: 0.05, amsgrad: true, epsilonStyle: 'keras' }, steps: 400, tol: 1e-2 },
  { config: { name: 'adamw', lr: 0.05, weightDecay: 1e-4 }, steps: 400, tol: 1e-2 },
  { config: { name: 'rmsprop', lr: 0.01 }, steps: 600, tol: 2e-2 },
  {
    config: { name: 'rmsprop', lr: 0.005, centered: true, momentum: 0.5, epsilonStyle: 'keras' },
    steps: 400,
    tol: 2e-2,
  },
  { config: { name: 'adagrad', lr: 0.5, initialAccumulatorValue: 0.1 }, steps: 300, tol: 1e-2 },
  {
    config: { name: 'lion', lr: { name: 'exponential', initial: 0.05, gamma: 0.995 } },
    steps: 600,
    tol: 2e-2,
  },
  {
    config: { name: 'lamb', lr: { name: 'cosine', peak: 0.05, decaySteps: 400, warmupSteps: 10 } },
    steps: 400,
    tol: 2e-2,
  },
  { config: { name: 'zookeeper', lr: 0.1, momentum: 0.5 }, steps: 200, tol: 1e-3 },
  {
    config: { name: 'zookeeper', syncEvery: 3, beta: 0.5, base: { name: 'adam', lr: 0.05 } },
    steps: 400,
    tol: 1e-2,
  },
];

const label = (c: Record<string, unknown>): string => JSON.stringify(c);

// f(p) = ½ Σ c·(p − target)², so ∇f = c·(p − target), with curvatures spread over 10×.
const TARGET = [1, -2, 0.5, 3];
const CURV = [1, 0.5, 2, 0.2];

function quadGrad(p: Tensor): Tensor {
  const t = Tensor.fromData(TARGET, [4], p.dtype);
  const c = Tensor.fromData(CURV, [4], p.dtype);
  return p.sub(t).mul(c);
}

function run(opt: Optimizer, params: Tensor[], grads: (p: Tensor[], i: number) => Tensor[], steps: number) {
  let state = opt.init(params);
  for (let i = 0; i < steps; i++) {
    const out = opt.step(params, grads(params, i), state);
    ({ params, state } = settle(out.params, out.state));
  }
  return { params, state };
}

/** Deterministic pseudo-gradients, different per step and param. */
function noise(shape: readonly number[], dtype: DType, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return Tensor.fromData(
    Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.9),
    shape,
    dtype,
  );
}

describe.each(TABLE)('$config.name $config', ({ config, steps, tol }) => {
  it.each(['float32', 'float64'] as const)('converges on a quadratic in %s', (dtype) => {
    const opt = optimizerFromConfig(config);
    const start = [Tensor.zeros([4], dtype)];
    const { params } = run(opt, start, (p) => [quadGrad(p[0]!)], steps);
    expect(params[0]!.dtype).toBe(dtype);
    const got = params[0]!.toArray();
    got.forEach((v, i) => {
      expect(Math.abs(v - TARGET[i]!), `${label(config)} [${i}]`).toBeLessThan(tol);
    });
  });

  it.each(['float32', 'float64'] as const)('resumes bit-identically from serialized state (%s)', (dtype) => {
    const opt = optimizerFromConfig(config);
    const shapes = [[2, 3], [4], []];
    const start = shapes.map((s, i) => noise(s, dtype, 100 + i));
    const grads = (_: Tensor[], step: number) => shapes.map((s, i) => noise(s, dtype, step * 7 + i));
    const full = run(opt, start, grads, 5);

    const head = run(opt, start, grads, 2);
    const saved = JSON.parse(JSON.stringify(serializeOptimizerState(head.state)));
    let state: OptimizerState = deserializeOptimizerState(saved, opt.init(start));
    let params = head.params;
    for (let i = 2; i < 5; i++) {
      const out = opt.step(params, grads(params, i), state);
      ({ params, state } = settle(out.params, out.state));
    }
    expect(state.step).toBe(5);
    params.forEach((p, i) => {
      expect(bits(p)).toEqual(bits(full.params[i]!));
    });
  });

  it('handles params of several shapes, each as if optimised alone', () => {
    const opt = optimizerFromConfig(config);
    const shapes = [[], [3], [2, 3], [2, 1, 2]];
    const start = shapes.map((s, i) => noise(s, 'float32', 10 + i));
    const grads = (_: Tensor[], step: number) => shapes.map((s, i) => noise(s, 'float32', step * 5 + i));
    const together = run(opt, start, grads, 3).params;
    shapes.forEach((s, i) => {
      const alone = run(opt, [start[i]!], (_p, step) => [grads([], step)[i]!], 3).params[0]!;
      expect(together[i]!.shape).toEqual(s);
      expect(bits(together[i]!)).toEqual(bits(alone));
    });
  });

  it('rejects mismatched gradients with a clear error and leaves the state usable', () => {
    const opt = optimizerFromConfig(config);
    const params = [Tensor.fromData([1, 2, 3], [3]), Tensor.fromData([4, 5], [2])];
    const grads = [Tensor.fromData([0.1, 0.2, 0.3], [3]), Tensor.fromData([0.5, -0.5], [2])];
    const state = opt.init(params);
    const first = opt.step(params, grads, state);
    const bad: [Tensor[], RegExp][] = [
      [[grads[0]!], /got 1 gradients for 2 params/],
      [[grads[0]!, Tensor.fromData([1, 2, 3], [3])], /gradient 1 has shape \[3\] but its param has \[2\]/],
      [[grads[0]!, grads[1]!.cast('float64')], /gradient 1 is float64 but its param is float32/],
    ];
    for (const [g, message] of bad) {
      expect(() => opt.step(first.params, g, first.state)).toThrow(ReptileError);
      expect(() => opt.step(first.params, g, first.state)).toThrow(message);
    }
    // Pure: the failed calls changed nothing, so retrying with good input gives what a run that
    // never failed gives.
    const again = opt.step(first.params, grads, first.state);
    const clean = opt.step(opt.step(params, grads, opt.init(params)).params, grads, first.state);
    again.params.forEach((p, i) => {
      expect(bits(p)).toEqual(bits(clean.params[i]!));
    });
    expect(again.state.step).toBe(2);
  });

  it('rejects integer params and unknown fields', () => {
    const opt = optimizerFromConfig(config);
    expect(() => opt.init([Tensor.fromData([1, 2], [2], 'int32')])).toThrow(/only float32\/float64 params/);
    expect(() => optimizerFromConfig({ ...config, bogus: 1 })).toThrow(
      /optimizer\.bogus: unknown field 'bogus'/,
    );
  });
});
