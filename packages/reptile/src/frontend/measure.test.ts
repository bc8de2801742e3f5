import { describe, expect, it } from 'vitest';
import { measureFrontends } from './measure.ts';

describe('measureFrontends', () => {
  it('times the founding network on the reference frontend', async () => {
    const [t] = await measureFrontends({ steps: 10, frontends: ['reference'] });
    expect(t!.frontend).toBe('reference');
    expect(t!.msPerStep).toBeGreaterThan(0);
    expect(t!.samplesPerSecond).toBeCloseTo((2 / t!.msPerStep) * 1000, 6);
  });
});
