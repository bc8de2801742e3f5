import { median } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { interleavedMedians } from './timing.ts';

describe('timing helpers', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('runs every contender warmup + runs times, round-robin', () => {
    const calls: string[] = [];
    const medians = interleavedMedians([() => calls.push('a'), () => calls.push('b')], {
      warmup: 1,
      runs: 2,
    });
    expect(calls).toEqual(['a', 'b', 'b', 'a', 'a', 'b']);
    expect(medians).toHaveLength(2);
  });
});
