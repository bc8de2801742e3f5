import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SGD_CASE } from '../../../../conformance/src/testing.ts';
import { main } from '../main.ts';
import { captureIo } from '../testing.ts';

function caseDir(cases: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'reptile-cli-'));
  mkdirSync(join(dir, 'cases'));
  for (const [name, c] of Object.entries(cases))
    writeFileSync(join(dir, 'cases', `${name}.json`), JSON.stringify(c));
  return dir;
}

describe('reptile conformance', () => {
  it('prints the matrix, ends with the summary line and writes the JSON report', async () => {
    const dir = caseDir({ 'sgd.two-steps': SGD_CASE });
    const io = captureIo();
    const json = join(dir, 'out.json');
    const code = await main(
      ['conformance', '--cases', join(dir, 'cases'), '--adapters', 'reference', '--json', json],
      io,
    );
    expect(code).toBe(0);
    expect(io.stdout.at(-1)).toBe('1 passed, 0 failed');
    expect(io.stdout.find((l) => l.startsWith('sgd.two-steps'))).toMatch(/PASS/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(Object.keys(report)).toEqual(['results']);
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({ case: 'sgd.two-steps', adapter: 'reference', status: 'pass' });
    expect(typeof report.results[0].maxAbsErr).toBe('number');
    expect(typeof report.results[0].maxRelErr).toBe('number');
  });

  it('exits 1 when a case fails', async () => {
    const wrong = {
      ...SGD_CASE,
      name: 'sgd.wrong',
      expected: [[{ shape: [2], data: [0, 0] }], SGD_CASE.expected[1]],
    };
    const io = captureIo();
    const dir = join(caseDir({ 'sgd.wrong': wrong }), 'cases');
    expect(await main(['conformance', '--cases', dir, '--adapters', 'reference'], io)).toBe(1);
    expect(io.stdout.at(-1)).toBe('0 passed, 1 failed');
    expect(io.stdout.some((l) => l.startsWith('FAIL reference sgd.wrong: params after step 1[0][0]'))).toBe(
      true,
    );
  });

  it('exits 1 naming the file and field of a malformed case', async () => {
    const io = captureIo();
    const dir = caseDir({ bad: { ...SGD_CASE, name: 'bad', params: [{ shape: [2], data: [1] }] } });
    expect(await main(['conformance', '--cases', join(dir, 'cases'), '--adapters', 'reference'], io)).toBe(1);
    expect(io.stderr[0]).toMatch(/bad\.json: case\.params\[0\]\.data: 1 values do not fill shape \[2\]/);
  });

  it('exits 2 listing the known adapters for an unknown adapter', async () => {
    const io = captureIo();
    const dir = caseDir({ 'sgd.two-steps': SGD_CASE });
    expect(
      await main(['conformance', '--cases', join(dir, 'cases'), '--adapters', 'reference,onxx'], io),
    ).toBe(2);
    expect(io.stderr[0]).toBe(
      "error: --adapters: unknown adapter 'onxx' — known adapters: reference, tfjs-cpu, tfjs-wasm, tf.train, onnx, torch, torch.optim",
    );
  });
});
