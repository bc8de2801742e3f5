import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeTestFrontend } from './frontends.ts';
import { defaultNodeTestDir, readKnownFailures, runOnnxNodeTests } from './node-tests.ts';

/**
 * ONNX's own operator tests (expected outputs computed by the ONNX project) through the importer
 * on each frontend. torch needs python3 with torch: when it is missing the sweep fails with the
 * install instruction rather than being skipped (the torch adapter's convention).
 */
const FRONTENDS: NodeTestFrontend[] = ['reference', 'tfjs-cpu', 'onnx', 'torch'];

describe.each(FRONTENDS)('ONNX node tests through the importer on %s', (frontend) => {
  it('passes ≥ 95% of in-scope cases, every failure is known, no known entry is stale', async () => {
    const r = await runOnnxNodeTests({ frontend });
    console.info(
      `${frontend}: ${r.passed.length}/${r.inScope} in scope passed, ${r.excluded.length} excluded, ${r.seconds.toFixed(1)} s`,
    );
    expect(r.inScope).toBeGreaterThan(500);
    expect(r.unexpected).toEqual([]);
    expect(r.stale).toEqual([]);
    expect(r.passRate).toBeGreaterThanOrEqual(0.95);
    for (const e of r.excluded) expect(e.reason).toMatch(/unsupported op|dtype|training|not a tensor/);
    expect(r.seconds).toBeLessThan(120);
  }, 240_000);
});

describe('node-test bookkeeping', () => {
  it('every known failure has a reason', () => {
    for (const [frontend, cases] of Object.entries(readKnownFailures())) {
      for (const [name, reason] of Object.entries(cases))
        expect(reason.length, `${frontend}/${name}`).toBeGreaterThan(10);
    }
  });

  it('reports a known failure that passes as stale, and an unknown failure as unexpected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-known-'));
    const knownFile = join(dir, 'known.json');
    writeFileSync(knownFile, JSON.stringify({ reference: { test_abs: 'pretend it fails' } }));
    const r = await runOnnxNodeTests({
      frontend: 'reference',
      filter: /^test_(abs|add_bcast|adam)$/,
      knownFile,
    });
    expect(r.passed).toEqual(['test_abs', 'test_add_bcast']);
    expect(r.stale).toEqual(['test_abs']);
    expect(r.excluded).toEqual([
      { case: 'test_adam', reason: 'training op Adam (ai.onnx.preview.training)' },
    ]);
  });

  it('counts a wrong result as an unexpected failure', async () => {
    // test_relu's model and input checked against test_neg's expected output (same shape).
    const root = mkdtempSync(join(tmpdir(), 'onnx-wrong-'));
    const data = join(root, 'test_relu_wrong', 'test_data_set_0');
    mkdirSync(data, { recursive: true });
    const src = defaultNodeTestDir();
    copyFileSync(join(src, 'test_relu', 'model.onnx'), join(root, 'test_relu_wrong', 'model.onnx'));
    copyFileSync(join(src, 'test_relu', 'test_data_set_0', 'input_0.pb'), join(data, 'input_0.pb'));
    copyFileSync(join(src, 'test_neg', 'test_data_set_0', 'output_0.pb'), join(data, 'output_0.pb'));
    const r = await runOnnxNodeTests({ frontend: 'reference', dir: root });
    expect(r.passed).toEqual([]);
    expect(r.unexpected).toHaveLength(1);
    expect(r.unexpected[0]!.reason).toMatch(/test_data_set_0 output 0 'y': element \d+/);
  });
});
