import { describe, expect, it } from 'vitest';
import { spirals } from './spirals.ts';

describe('spirals', () => {
  it('is deterministic per seed, balanced, and inside the unit disc', () => {
    const a = spirals(50, 3, 1);
    expect(spirals(50, 3, 1).x).toEqual(a.x);
    expect(spirals(50, 3, 2).x).not.toEqual(a.x);
    expect([0, 1, 2].map((c) => a.y.filter((y) => y === c).length)).toEqual([50, 50, 50]);
    for (let i = 0; i < a.n; i++)
      expect(Math.hypot(a.x[2 * i]!, a.x[2 * i + 1]!)).toBeLessThanOrEqual(1 + 1e-6);
  });
});
