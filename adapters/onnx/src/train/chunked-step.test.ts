import type { TypedArray } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { ChunkedStepOptions } from './chunked-step.ts';
import { OnnxOptimizer } from './onnx-optimizer.ts';

/**
 * The chunked in-place step must equal the whole-tensor graph's pure step bit for bit (same ops on the same elements),
 * whatever the chunk boundaries: sizes not divisible by the chunk, parameters smaller than a
 * chunk packed together, tails, exact multiples. The whole-tensor run (chunkElements 0) is itself
 * checked against core's reference optimizers in onnx-optimizer.test.ts.
 */
const CHUNKABLE: readonly unknown[] = [
  { name: 'adam', lr: 0.01 },
  { name: 'adam', lr: 0.01, amsgrad: true, weightDecay: 0.1 },
  { name: 'adamw', lr: 0.01 },
  { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { name: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 },
  { name: 'adagrad', lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 },
  { name: 'lion', lr: 0.001, weightDecay: 0.1 },
];

const specsOf = (sizes: readonly number[]) => sizes.map((n, i) => ({ name: `p${i}`, shape: [n] }));
const valuesOf = (sizes: readonly number[], seed: number) =>
  sizes.map((n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + k * 3.1 + seed) * 0.5));

/** Runs `steps` updates with and without chunking; returns both final params and state. */
function both(
  config: unknown,
  sizes: readonly number[],
  chunkElements: number,
  steps = 3,
  chunkOptions: ChunkedStepOptions = {},
) {
  const specs = specsOf(sizes);
  const chunked = new OnnxOptimizer(config, specs, { chunkElements, chunkOptions });
  const whole = new OnnxOptimizer(config, specs, { chunkElements: 0 });
  try {
    const inPlace = (opt: OnnxOptimizer) => {
      const params: TypedArray[] = valuesOf(sizes, 0);
      let state = opt.init(params);
      for (let s = 1; s <= steps; s++) state = opt.stepInPlace(params, valuesOf(sizes, s), state);
      return [...params, ...state.tensors].map((a) => Array.from(a));
    };
    const pure = (opt: OnnxOptimizer) => {
      let params: TypedArray[] = valuesOf(sizes, 0);
      let state = opt.init(params);
      for (let s = 1; s <= steps; s++) ({ params, state } = opt.step(params, valuesOf(sizes, s), state));
      return [...params, ...state.tensors].map((a) => Array.from(a));
    };
    return { usedChunks: chunked.chunked !== undefined, got: inPlace(chunked), want: pure(whole) };
  } finally {
    chunked.release();
    whole.release();
  }
}

describe('ChunkedStep: an elementwise optimizer step in chunk-sized runs', () => {
  for (const config of CHUNKABLE) {
    it(`${JSON.stringify(config)} equals the whole-tensor step bit for bit`, () => {
      // 37 = 4 chunks of 8 + a 5-element tail; 3 and 1 are packed with tails; 16 is exactly 2 chunks
      const { usedChunks, got, want } = both(config, [37, 3, 16, 1, 9], 8);
      expect(usedChunks).toBe(true);
      expect(got).toEqual(want);
    });
  }

  it('packs many tiny tensors and splits large ones at any chunk size (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 24 }),
        (sizes, chunk) => {
          const total = sizes.reduce((a, b) => a + b, 0);
          const { usedChunks, got, want } = both({ name: 'adam', lr: 0.01 }, sizes, chunk, 2);
          expect(usedChunks).toBe(total > chunk);
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 15 },
    );
  });

  // every way of running the chunks: per-step scalars in a prelude or in each chunk, results
  // written by onnxruntime straight over the inputs or copied from scratch arrays
  const WAYS: readonly ChunkedStepOptions[] = [
    { prelude: false, direct: false },
    { prelude: true, direct: false },
    { prelude: false, direct: true },
    { prelude: true, direct: true },
  ];
  for (const config of [
    { name: 'adam', lr: 0.01, amsgrad: true, weightDecay: 0.1 },
    { name: 'adagrad', lr: 0.1, lrDecay: 0.01 },
    { name: 'lion', lr: 0.001 },
  ]) {
    it(`${JSON.stringify(config)}: prelude and direct writes keep the chunked step exact over 6 steps`, () => {
      for (const way of WAYS) {
        const { usedChunks, got, want } = both(config, [29, 5, 16], 8, 6, way);
        expect(usedChunks).toBe(true);
        expect(got, JSON.stringify(way)).toEqual(want);
      }
    });
  }

  it('runs the step scalars once per step and writes Adam’s results straight into the targets', () => {
    const opt = new OnnxOptimizer({ name: 'adam', lr: 0.01 }, specsOf([20]), { chunkElements: 8 });
    const chunked = opt.chunked!;
    expect(chunked.prelude?.inputs.map((i) => i.name)).toEqual(['step', 'lr']);
    expect(chunked.compiled.inputs.some((i) => i.name === 'step')).toBe(false);
    const prelude = vi.spyOn(chunked.prelude!, 'runSync');
    const run = vi.spyOn(chunked.compiled, 'runSync');
    const params = valuesOf([20], 0);
    const state = opt.init(params);
    opt.stepInPlace(params, valuesOf([20], 1), state);
    expect(prelude).toHaveBeenCalledTimes(1);
    // two whole chunks as views (written in place), then the 4-element tail packed in scratch
    expect(run).toHaveBeenCalledTimes(3);
    const targets = [params[0]!, ...state.tensors];
    for (const call of run.mock.calls.slice(0, 2)) {
      expect(call[1]!.map((a) => a.buffer)).toEqual(targets.map((a) => a.buffer));
    }
    expect(run.mock.calls[2]![1]!.some((a) => targets.some((t) => t.buffer === a.buffer))).toBe(false);
    opt.release();
  });

  it('writes nothing when the prelude fails (it runs before any chunk)', () => {
    const opt = new OnnxOptimizer({ name: 'adam', lr: 0.01 }, specsOf([20, 3]), { chunkElements: 8 });
    const params = valuesOf([20, 3], 0);
    const state = opt.init(params);
    state.tensors.forEach((t, i) => {
      t.fill(0.25 * (i + 1));
    });
    const before = [...params, ...state.tensors].map((a) => Array.from(a));
    vi.spyOn(opt.chunked!.prelude!, 'runSync').mockImplementation(() => {
      throw new Error('onnxruntime failed');
    });
    expect(() => opt.stepInPlace(params, valuesOf([20, 3], 1), state)).toThrow(/onnxruntime failed/);
    expect([...params, ...state.tensors].map((a) => Array.from(a))).toEqual(before);
    opt.release();
  });

  it('copies from scratch instead when a target overlaps an input the graph still reads', () => {
    // Lion reads m for both the new m and the new parameters: writing new params over m directly
    // would corrupt the direction; the runner must notice and fall back to scratch + copy
    const opt = new OnnxOptimizer({ name: 'lion', lr: 0.01 }, specsOf([24]), { chunkElements: 8 });
    const chunked = opt.chunked!;
    const params = valuesOf([24], 0);
    const grads = valuesOf([24], 1);
    const m = valuesOf([24], 2)[0]!;
    const want = opt.step(params, grads, { step: 4, tensors: [m] });
    const run = vi.spyOn(chunked.compiled, 'runSync');
    const newM = new Float32Array(24);
    const values = [params[0]!, grads[0]!, m.slice(), Float64Array.of(5), Float64Array.of(0.01)];
    chunked.runSync(values, [values[2]!, newM]); // new params written over m
    expect(run.mock.calls.every((call) => call[1]!.every((a) => a.buffer !== values[2]!.buffer))).toBe(true);
    expect(Array.from(values[2]!)).toEqual(Array.from(want.params[0]!));
    expect(Array.from(newM)).toEqual(Array.from(want.state.tensors[0]!));
    opt.release();
  });

  it('matches a hand-computed Adam update across a chunk boundary', () => {
    // step 1 of Adam: m = 0.1 g, v = 0.001 g², p -= lr · mhat / (sqrt(vhat) + eps) = lr · sign(g) (eps ≪ |g|)
    const opt = new OnnxOptimizer({ name: 'adam', lr: 0.5 }, [{ name: 'w', shape: [5] }], {
      chunkElements: 2,
    });
    expect(opt.chunked?.chunkElements).toBe(2);
    const p = Float32Array.from([1, 2, 3, 4, 5]);
    const g = Float32Array.from([1, -2, 0.5, -0.25, 4]);
    const p0 = p.slice();
    const state = opt.stepInPlace([p], [g], opt.init([p]));
    Array.from(g).forEach((gi, i) => {
      expect(p[i]).toBeCloseTo(p0[i]! - 0.5 * Math.sign(gi), 5);
      expect(state.tensors[0]![i]).toBeCloseTo(0.1 * gi, 6);
      expect(state.tensors[1]![i]).toBeCloseTo(0.001 * gi * gi, 7);
    });
    opt.release();
  });

  it('leaves step pure: inputs untouched, results in fresh arrays', () => {
    const sizes = [11, 4];
    const opt = new OnnxOptimizer({ name: 'adam', lr: 0.01 }, specsOf(sizes), { chunkElements: 4 });
    const params = valuesOf(sizes, 0);
    const grads = valuesOf(sizes, 1);
    const state = opt.step(params, grads, opt.init(params)).state;
    const before = [...params, ...grads, ...state.tensors].map((a) => Array.from(a));
    const next = opt.step(params, grads, state);
    expect([...params, ...grads, ...state.tensors].map((a) => Array.from(a))).toEqual(before);
    expect(next.params.some((a, i) => a === params[i])).toBe(false);
    opt.release();
  });

  it('refuses updates that are not elementwise (LAMB trust ratio) and small totals', () => {
    const specs = specsOf([20, 20]);
    const lamb = new OnnxOptimizer({ name: 'lamb', lr: 0.01 }, specs, { chunkElements: 8 });
    expect(lamb.chunked).toBeUndefined();
    const small = new OnnxOptimizer({ name: 'adam', lr: 0.01 }, specs, { chunkElements: 40 });
    expect(small.chunked).toBeUndefined(); // 40 elements fit one run
    lamb.release();
    small.release();
  });
});

describe('OnnxOptimizer.stepInPlace', () => {
  for (const chunkElements of [0, 6]) {
    it(`writes what step returns into the given arrays (chunkElements ${chunkElements})`, () => {
      const sizes = [13, 2, 7];
      const opt = new OnnxOptimizer({ name: 'adam', lr: 0.01, amsgrad: true }, specsOf(sizes), {
        chunkElements,
      });
      const params = valuesOf(sizes, 0);
      const state = opt.init(params);
      const want = opt.step(params, valuesOf(sizes, 1), state);
      const arrays = [...params, ...state.tensors];
      const next = opt.stepInPlace(params, valuesOf(sizes, 1), state);
      expect(next.step).toBe(1);
      expect(next.tensors).toBe(state.tensors);
      expect(arrays.every((a, i) => a === [...params, ...next.tensors][i])).toBe(true);
      expect([...params, ...next.tensors].map((a) => Array.from(a))).toEqual(
        [...want.params, ...want.state.tensors].map((a) => Array.from(a)),
      );
      opt.release();
    });
  }

  it('refuses shared memory and bad inputs before writing anything', () => {
    const sizes = [8, 8];
    const opt = new OnnxOptimizer({ name: 'adam', lr: 0.01 }, specsOf(sizes), { chunkElements: 4 });
    const params = valuesOf(sizes, 0);
    const state = opt.init(params);
    const before = params.map((a) => Array.from(a));
    expect(() => opt.stepInPlace(params, [params[0]!, params[1]!.slice()], state)).toThrow(/share memory/);
    const both = new Float32Array(16);
    expect(() =>
      opt.stepInPlace([both.subarray(0, 8), both.subarray(4, 12)], valuesOf(sizes, 1), state),
    ).toThrow(/share memory/);
    expect(() => opt.stepInPlace(params, [new Float32Array(8), new Float32Array(3)], state)).toThrow(
      /'grads.p1' has 3 values/,
    );
    expect(params.map((a) => Array.from(a))).toEqual(before);
    opt.release();
  });
});
