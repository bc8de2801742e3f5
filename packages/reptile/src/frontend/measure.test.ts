import { describe, expect, it } from 'vitest';
import { fastest, measureFrontends } from './measure.ts';

describe('measureFrontends', () => {
  it('times the founding network on several frontends side by side', async () => {
    const timings = await measureFrontends({ steps: 20, frontends: ['reference', 'onnx'] });
    expect(timings.map((t) => t.frontend)).toEqual(['reference', 'onnx']);
    for (const t of timings) {
      expect(t.msPerStep).toBeGreaterThan(0);
      expect(t.stepsPerSecond).toBeGreaterThan(0);
      // batch 2, the demo's
      expect(t.samplesPerSecond).toBeCloseTo(2 * t.stepsPerSecond, 6);
    }
  });

  it('picks the frontend with the most steps per second', () => {
    const t = (frontend: string, stepsPerSecond: number) => ({
      frontend,
      msPerStep: 1000 / stepsPerSecond,
      stepsPerSecond,
      samplesPerSecond: 2 * stepsPerSecond,
    });
    expect(fastest([t('reference', 400), t('onnx', 2600), t('tfjs-wasm', 600)]).frontend).toBe('onnx');
  });
});
