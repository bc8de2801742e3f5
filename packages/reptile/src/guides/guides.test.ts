import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { overfittingGuide } from './fight-overfitting.ts';
import { learningRateGuide } from './find-learning-rate.ts';

describe('the guides’ scripts run (small sizes)', () => {
  it('learning rate: range test, plot, and two trainings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-guide-lr-'));
    const lines: string[] = [];
    const { finder, results } = await learningRateGuide({
      dir,
      perClass: 30,
      epochs: 1,
      log: (s) => lines.push(s),
    });
    expect(existsSync(join(dir, 'lr-finder.svg'))).toBe(true);
    expect(finder.suggestedLr).toBeCloseTo(finder.minLossLr / 10, 12);
    expect(Object.keys(results)).toEqual(['suggested', 'at the lowest loss', '100x smaller']);
    expect(lines[0]).toMatch(/^lowest loss at lr .*; suggested lr /);
  }, 120_000);

  it('overfitting: plain, early stopping, dropout + L2 + early stopping, with plots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-guide-fit-'));
    const runs = await overfittingGuide({ dir, perClass: 20, epochs: 3, log: () => {} });
    expect(runs.map((r) => r.name)).toEqual(['plain', 'early stopping', 'dropout + L2 + early stopping']);
    expect(runs[0]!.history.epochs).toHaveLength(3);
    for (const r of runs) expect(r.testAccuracy).toBeGreaterThan(0.1); // better than chance on 40 unseen digits
    for (const f of ['plain.svg', 'early-stopping.svg', 'regularised.svg'])
      expect(existsSync(join(dir, f))).toBe(true);
  }, 120_000);
});
