import { describe, expect, it } from 'vitest';
import { createOnnxAdapter } from '../../../conformance/src/adapters/onnx.ts';
import { loadCases } from '../../../conformance/src/load.ts';
import { runCase } from '../../../conformance/src/runner.ts';

/** The `onnx` column of the conformance matrix: every case in conformance/cases must pass. */
describe('conformance column onnx', () => {
  it('passes every case', async () => {
    const cases = loadCases([new URL('../../../conformance/cases', import.meta.url).pathname]);
    expect(cases.length).toBeGreaterThan(50);
    const adapter = createOnnxAdapter();
    const failures: string[] = [];
    for (const c of cases) {
      const r = await runCase(adapter, c);
      if (r.status !== 'pass') failures.push(`${c.name}: ${r.status} ${r.reason ?? ''}`);
    }
    expect(failures).toEqual([]);
  });
});
