import type { TypedArray } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
function both(config: unknown, sizes: readonly number[], chunkElements: number, steps = 3) {
  const specs = specsOf(sizes);
  const chunked = new OnnxOptimizer(config, specs, { chunkElements });
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
