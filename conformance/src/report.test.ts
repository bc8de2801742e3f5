import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMatrix, resultsToJson, summaryLine, writeJsonAtomic } from './report.ts';
import type { CaseResult } from './runner.ts';

const results: CaseResult[] = [
  { case: 'a', adapter: 'reference', status: 'pass', maxAbsErr: 0, maxRelErr: 0 },
  {
    case: 'b',
    adapter: 'reference',
    status: 'fail',
    maxAbsErr: Number.POSITIVE_INFINITY,
    maxRelErr: 0.5,
    reason: 'NaN',
  },
  { case: 'c', adapter: 'reference', status: 'skip', maxAbsErr: null, maxRelErr: null, reason: 'later' },
];

describe('summaryLine', () => {
  it('is exactly "N passed, M failed", adding skipped only when some were', () => {
    expect(summaryLine({ passed: 3, failed: 0, skipped: 0 })).toBe('3 passed, 0 failed');
    expect(summaryLine({ passed: 3, failed: 1, skipped: 2 })).toBe('3 passed, 1 failed, 2 skipped');
  });
});

describe('formatMatrix', () => {
  it('shows one row per case and a status cell per adapter', () => {
    const lines = formatMatrix(results, ['reference']).split('\n');
    expect(lines[0]).toBe('case  reference');
    expect(lines.slice(2)).toEqual(['a     PASS 0', 'b     FAIL inf', 'c     SKIP']);
  });
});

describe('JSON output', () => {
  it('has {results:[{case, adapter, status, maxAbsErr, maxRelErr, reason?}]} with infinities as strings', () => {
    const json = JSON.parse(JSON.stringify(resultsToJson(results)));
    expect(json).toEqual({
      results: [
        { case: 'a', adapter: 'reference', status: 'pass', maxAbsErr: 0, maxRelErr: 0 },
        {
          case: 'b',
          adapter: 'reference',
          status: 'fail',
          maxAbsErr: 'Infinity',
          maxRelErr: 0.5,
          reason: 'NaN',
        },
        {
          case: 'c',
          adapter: 'reference',
          status: 'skip',
          maxAbsErr: null,
          maxRelErr: null,
          reason: 'later',
        },
      ],
    });
  });

  it('is written atomically: the target appears complete and no temp file is left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-report-'));
    const file = join(dir, 'out.json');
    writeJsonAtomic(file, resultsToJson(results));
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).results).toHaveLength(3);
    expect(readdirSync(dir)).toEqual(['out.json']);
  });
});
