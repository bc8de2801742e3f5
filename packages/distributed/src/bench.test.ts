import { describe, expect, it } from 'vitest';
import { benchWorker, busBandwidth, workerResult } from './bench.ts';

/**
 * The benchmark workers run here at toy sizes, so a broken worker fails CI rather than the next
 * `pnpm reptile bench`. Only the shape and sanity of what they report is checked: timings are
 * measured by the bench, never asserted in tests.
 */
const positive = (xs: readonly number[]) => xs.every((x) => Number.isFinite(x) && x > 0);

describe('busBandwidth', () => {
  it("is NCCL-tests' bytes / time × 2(K − 1)/K, in GB/s", () => {
    expect(busBandwidth(2e9, 1, 2)).toBeCloseTo(2, 12);
    expect(busBandwidth(2e9, 2, 4)).toBeCloseTo(1.5, 12);
    expect(busBandwidth(1e9, 1, 1)).toBe(0);
  });
});

describe('bench workers', () => {
  it('mlp-worker reports every block of every configuration on 2 local ranks', async () => {
    const rounds = 3;
    const r = await workerResult<{
      ranks: number;
      two: number[];
      one: number[];
      apart: number[];
      twoSyncSeconds: number[];
    }>({ n: 2, script: benchWorker('mlp-worker'), args: [rounds, 4, 8, 16, 2].map(String) });
    expect(r.ranks).toBe(2);
    for (const series of [r.two, r.one, r.apart]) {
      expect(series).toHaveLength(rounds);
      expect(positive(series)).toBe(true);
    }
    expect(r.twoSyncSeconds).toHaveLength(rounds);
    expect(r.twoSyncSeconds.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
  }, 60_000);

  it('allreduce-worker times memcpy and every allreduce path on 2 local ranks', async () => {
    const r = await workerResult<Record<string, number | boolean | string>>({
      n: 2,
      script: benchWorker('allreduce-worker'),
      args: ['65536', '1', '3'],
    });
    expect(r.transport).toBe('local');
    expect(r.check).toBe(true);
    const times = ['memcpySeconds', 'allreduceSeconds', 'inPlaceSeconds', 'stagedSeconds'].map((k) => r[k]);
    expect(positive(times as number[])).toBe(true);
  }, 60_000);
});
