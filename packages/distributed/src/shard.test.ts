import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, permutation } from './rng.ts';
import { shardIndices, shardRange } from './shard.ts';

describe('shardIndices', () => {
  it('gives every rank the same number of examples, never the same example twice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 200 }),
        fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
        fc.integer({ min: 0, max: 5 }),
        (size, extra, seed, epoch) => {
          const n = size + extra;
          const shards = Array.from({ length: size }, (_, r) =>
            Array.from(shardIndices(n, r, size, seed === undefined ? {} : { seed, epoch })),
          );
          const per = Math.floor(n / size);
          for (const s of shards) expect(s).toHaveLength(per);
          const all = shards.flat();
          expect(new Set(all).size).toBe(all.length);
          for (const i of all) expect(i >= 0 && i < n).toBe(true);
          // n mod size examples are left out of the epoch, no more.
          expect(n - all.length).toBe(n % size);
        },
      ),
    );
  });

  it('is contiguous blocks without a seed, and a different cut of a permutation each epoch with one', () => {
    expect(Array.from(shardIndices(7, 1, 2))).toEqual([3, 4, 5]);
    expect(shardRange(7, 1, 2)).toEqual({ start: 3, end: 6 });
    const e0 = Array.from(shardIndices(100, 0, 2, { seed: 3, epoch: 0 }));
    const e1 = Array.from(shardIndices(100, 0, 2, { seed: 3, epoch: 1 }));
    expect(e0).not.toEqual(e1);
    expect(Array.from(shardIndices(100, 0, 2, { seed: 3, epoch: 0 }))).toEqual(e0);
  });

  it('refuses impossible splits with the reason', () => {
    expect(() => shardIndices(1, 0, 2)).toThrow('1 examples cannot be split over 2 ranks');
    expect(() => shardIndices(10, 2, 2)).toThrow('rank 2 is outside a world of 2');
  });
});

describe('rng', () => {
  it('continues identically from a saved state', () => {
    const a = createRng(42);
    for (let i = 0; i < 5; i++) a.next();
    const b = createRng(0, a.state());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(Array.from({ length: 5 }, () => a.next()));
  });

  it('draws uniform numbers in [0, 1) and permutations of 0..n-1', () => {
    const r = createRng(1);
    const xs = Array.from({ length: 20_000 }, () => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // mean of U(0,1) is 1/2 with standard error 1/sqrt(12·20000) ≈ 0.002
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.01);
    expect(Array.from(permutation(10, r)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
