import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findCaseFiles } from '../../../../conformance/src/load.ts';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const exec = promisify(execFile);

/** Runs `pnpm reptile ...` from the repository root; resolves with the exit code too. */
async function reptile(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('pnpm', ['--silent', 'reptile', ...args], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The guide's own case: SGD lr 0.1 from [1, 2] with gradient [0.5, −1], by hand 1 − 0.05 and 2 + 0.1. */
const MY_CASE = {
  name: 'my-sgd',
  kind: 'optimizer',
  optimizer: { name: 'sgd', lr: 0.1 },
  params: [{ shape: [2], data: [1, 2] }],
  grads: [[{ shape: [2], data: [0.5, -1] }]],
  expected: [[{ shape: [2], data: [0.95, 2.1] }]],
};

describe('guide: run the conformance checks (docs/guide-conformance.md)', () => {
  it('runs the whole suite on reference and tfjs-cpu, writing the JSON and HTML reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-guide-conf-'));
    const html = join(dir, 'report.html');
    const json = join(dir, 'results.json');
    const r = await reptile([
      'conformance',
      '--adapters',
      'reference,tfjs-cpu',
      '--json',
      json,
      '--html',
      html,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const cases = findCaseFiles([join(ROOT, 'conformance/cases')]).length;
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-2)).toBe(`${cases} cases × 2 adapter(s)`);
    expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed, \d+ skipped$/);
    const results = JSON.parse(readFileSync(json, 'utf8')).results as { status: string }[];
    expect(results).toHaveLength(2 * cases);
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<tr data-case=/g)).toHaveLength(cases);
    expect(page.match(/<th scope="col" data-adapter=/g)).toHaveLength(2);
  }, 120_000);

  it('checks a case of your own, and fails loudly when it is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-guide-conf-'));
    mkdirSync(join(dir, 'cases'));
    writeFileSync(join(dir, 'cases', 'my-sgd.json'), JSON.stringify(MY_CASE));
    const ok = await reptile([
      'conformance',
      '--cases',
      join(dir, 'cases'),
      '--adapters',
      'reference,tfjs-cpu',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').at(-1)).toBe('2 passed, 0 failed');

    const wrong = { ...MY_CASE, expected: [[{ shape: [2], data: [0.95, 2.2] }]] };
    writeFileSync(join(dir, 'cases', 'my-sgd.json'), JSON.stringify(wrong));
    const bad = await reptile(['conformance', '--cases', join(dir, 'cases'), '--adapters', 'reference']);
    expect(bad.code).toBe(1);
    // Params are float32 by default: the result is Math.fround(2.1) = 2.0999999046325684.
    expect(bad.stdout).toContain(
      'FAIL reference my-sgd: params after step 1[0][1]: got 2.0999999046325684, expected 2.2 (|err| 0.100 > atol',
    );
    expect(bad.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
  }, 120_000);
});
