import { describe, expect, it } from 'vitest';
import { runDemo } from './train.ts';

describe('demo', () => {
  it('learns the spirals: loss falls and train accuracy reaches at least 0.9', () => {
    const r = runDemo({ epochs: 25, pointsPerClass: 60, hidden: 48, batchSize: 30, seed: 3 });
    expect(r.losses).toHaveLength(25);
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! / 2);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
  });
});
