import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdapterEntry } from './registry.ts';
import { resolveAdapters } from './registry.ts';
import { runConformance } from './run.ts';
import { CONSTANT_SCHEDULE_CASE, fakeAdapter, SGD_CASE } from './testing.ts';

function fixture(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'reptile-conf-'));
  for (const [path, value] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return dir;
}

const registry = new Map<string, AdapterEntry>([
  ['fake', { description: 'test', available: () => undefined, create: () => fakeAdapter() }],
  [
    'wrong',
    {
      description: 'test',
      available: () => undefined,
      create: () => fakeAdapter({ name: 'wrong', offset: 1 }),
    },
  ],
  ['absent', { description: 'test', available: () => 'runtime not installed', create: () => fakeAdapter() }],
]);

describe('runConformance', () => {
  it('finds cases recursively and ends the report with the summary line', async () => {
    const dir = fixture({
      'cases/optim/sgd.two-steps.json': SGD_CASE,
      'cases/schedules/c.json': [CONSTANT_SCHEDULE_CASE],
    });
    const run = await runConformance({ cases: [join(dir, 'cases')], knownDir: join(dir, 'known'), registry });
    expect(run.adapters.map((a) => a.name)).toEqual(['fake', 'wrong']);
    expect(run.counts).toEqual({ passed: 2, failed: 2, skipped: 0 });
    expect(run.ok).toBe(false);
    const lines = run.report.split('\n');
    expect(lines.at(-1)).toBe('2 passed, 2 failed');
    expect(run.report).toContain("note: adapter 'absent' not run: runtime not installed");
  });

  it('uses the known list of each adapter and notes entries that match nothing', async () => {
    const dir = fixture({
      'cases/sgd.two-steps.json': SGD_CASE,
      'known/wrong.json': {
        xfail: [{ case: 'sgd.*', reason: 'off by one' }],
        skip: [{ case: 'gone', reason: 'old' }],
      },
    });
    const run = await runConformance({
      cases: [join(dir, 'cases')],
      adapters: ['wrong'],
      knownDir: join(dir, 'known'),
      registry,
    });
    expect(run.counts).toEqual({ passed: 0, failed: 0, skipped: 1 });
    expect(run.ok).toBe(false); // nothing ran
    expect(run.report).toContain("entry 'gone' matches no case");
    expect(run.report.split('\n').at(-1)).toBe('0 passed, 0 failed, 1 skipped');
  });

  it('rejects duplicate case names, naming both files', async () => {
    const dir = fixture({ 'a.json': [SGD_CASE], 'b.json': [SGD_CASE] });
    await expect(runConformance({ cases: [dir], knownDir: dir, registry })).rejects.toThrow(
      /b\.json: case name 'sgd\.two-steps' is also used in .*a\.json/,
    );
  });

  it('requires a one-case file to be named after its case', async () => {
    const dir = fixture({ 'sgd.json': SGD_CASE });
    await expect(runConformance({ cases: [dir], knownDir: dir, registry })).rejects.toThrow(
      /sgd\.json: case name 'sgd\.two-steps' differs from the file name/,
    );
  });

  it('refuses an empty case directory', async () => {
    const dir = fixture({ 'notes.txt': 'x' });
    await expect(runConformance({ cases: [dir], knownDir: dir, registry })).rejects.toThrow(
      /no case files found/,
    );
  });
});

describe('resolveAdapters', () => {
  it('lists the known adapters when a name is unknown', async () => {
    await expect(resolveAdapters(['tfjs'], registry)).rejects.toThrow(
      "--adapters: unknown adapter 'tfjs' — known adapters: fake, wrong, absent",
    );
  });

  it('refuses an explicitly named adapter that is unavailable', async () => {
    await expect(resolveAdapters(['absent'], registry)).rejects.toThrow(
      /not available: runtime not installed/,
    );
  });
});
