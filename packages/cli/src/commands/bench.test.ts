import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.ts';
import { captureIo } from '../testing.ts';

describe('reptile bench', () => {
  // Tiny sizes keep this fast; timings are never asserted here (only the bench measures them).
  it('writes {suite, results:[{name, value, unit, peer, peerValue, ratio}]} for the core suite', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reptile-bench-')), 'bench.json');
    const io = captureIo();
    const code = await main(
      ['bench', 'core', '--size', '2000', '--tensors', '3', '--runs', '3', '--warmup', '1', '--json', file],
      io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.suite).toBe('core');
    expect(report.results.map((r: { name: string }) => r.name)).toEqual([
      'core.adam.2k',
      'core.sgd.2k',
      'core.recycle.mlp', // fixed MLP workload, not sized by --size
    ]);
    for (const r of report.results) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['name', 'value', 'unit', 'peer', 'peerValue', 'ratio']),
      );
      expect(r.unit).toBe('ms/step');
      expect(typeof r.peer).toBe('string');
      expect(r.value).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.peerValue / r.value, 12); // time ratio, inverted: higher is better
      expect(r.maxAbsDiff).toBeLessThan(1e-5); // verified against the fused loop before timing
    }
    expect(io.stdout.some((l) => /^core\.adam\.2k: ratio .* target ≥ 0\.33 (met|NOT met)$/.test(l))).toBe(
      true,
    );
  });
});
