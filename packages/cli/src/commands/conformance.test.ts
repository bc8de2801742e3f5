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

  it('writes a standalone HTML matrix with --html, keeping --json and the text report', async () => {
    const wrong = {
      ...SGD_CASE,
      name: 'sgd.wrong',
      expected: [[{ shape: [2], data: [0, 0] }], SGD_CASE.expected[1]],
    };
    const dir = caseDir({ 'sgd.two-steps': SGD_CASE, 'sgd.wrong': wrong });
    const io = captureIo();
    const html = join(dir, 'report.html');
    const json = join(dir, 'out.json');
    const args = ['conformance', '--cases', join(dir, 'cases'), '--adapters', 'reference'];
    expect(await main([...args, '--html', html, '--json', json], io)).toBe(1);
    expect(io.stdout.at(-1)).toBe('1 passed, 1 failed');
    expect(io.stderr).toContain(`HTML report written to ${html}`);
    expect(JSON.parse(readFileSync(json, 'utf8')).results).toHaveLength(2);
    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.match(/<tr data-case=/g)).toHaveLength(2);
    expect(page).toMatch(/<td class="cell pass band-\d" data-adapter="reference"/);
    // Step 1 expects [0, 0] for [0.95, 2.1]: |err| 2.1 against atol 1e-6 + rtol 1e-5·0 → band 7 (r > 1000).
    expect(page).toContain('<td class="cell fail band-7" data-adapter="reference"');
    expect(page).toContain('1 pass · 1 fail · 0 skip · 0 xfail');
  });

  it('exits 2 before running anything when the --html directory does not exist', async () => {
    const dir = caseDir({ 'sgd.two-steps': SGD_CASE });
    const io = captureIo();
    const html = join(dir, 'missing', 'r.html');
    expect(
      await main(
        ['conformance', '--cases', join(dir, 'cases'), '--adapters', 'reference', '--html', html],
        io,
      ),
    ).toBe(2);
    expect(io.stderr[0]).toMatch(/^error: --html: directory .*missing does not exist — create it first$/);
    expect(io.stdout).toEqual([]);
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
