import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveSeed, Random } from './random.ts';

describe('Random', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('draws uniform values in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Random(1);
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      sum += v;
      sq += v * v;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    const mean = sum / n;
    // standard error of the mean is sqrt(1/12/n) ≈ 0.0013
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.006);
    expect(Math.abs(sq / n - mean * mean - 1 / 12)).toBeLessThan(0.003);
  });

  it('draws standard normals', () => {
    const r = new Random(2);
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      sum += v;
      sq += v * v;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
  });

  it('restores from a snapshot mid-stream', () => {
    const r = new Random(7);
    r.next();
    const copy = Random.restore(r.snapshot());
    expect(copy.next()).toBe(r.next());
  });

  it('permutes every index exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer(), (n, seed) => {
        const p = new Random(seed).permutation(n);
        expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
    );
  });

  it('derives distinct, stable seeds per label', () => {
    expect(deriveSeed(0, 'dense_1/kernel')).toBe(deriveSeed(0, 'dense_1/kernel'));
    expect(deriveSeed(0, 'dense_1/kernel')).not.toBe(deriveSeed(0, 'dense_2/kernel'));
    expect(deriveSeed(0, 'dense_1/kernel')).not.toBe(deriveSeed(1, 'dense_1/kernel'));
  });

  it('rejects a non-integer seed', () => {
    expect(() => new Random(1.5)).toThrow(/seed 1.5 is not an integer/);
  });
});
