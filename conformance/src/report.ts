import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CaseResult } from './runner.ts';

export interface Counts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export function countResults(results: readonly CaseResult[]): Counts {
  const count = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
  return { passed: count('pass'), failed: count('fail'), skipped: count('skip') };
}

/** The last line of a run, exactly `N passed, M failed` (`, K skipped` only when K > 0). */
export function summaryLine(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`;
}

function cell(r: CaseResult | undefined): string {
  if (!r) return '-';
  if (r.status === 'skip') return r.known === 'xfail' ? 'XFAIL' : 'SKIP';
  const err = r.maxAbsErr === null ? '' : ` ${formatErr(r.maxAbsErr)}`;
  return `${r.status.toUpperCase()}${err}`;
}

function formatErr(x: number): string {
  return x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(1) : 'inf';
}

/** A cases × adapters table; each cell is PASS/FAIL with the max absolute error, or SKIP/XFAIL. */
export function formatMatrix(results: readonly CaseResult[], adapters: readonly string[]): string {
  const names = [...new Set(results.map((r) => r.case))];
  const byKey = new Map(results.map((r) => [`${r.adapter}\u0000${r.case}`, r]));
  const rows = names.map((n) => [n, ...adapters.map((a) => cell(byKey.get(`${a}\u0000${n}`)))]);
  return formatTable(['case', ...adapters], rows);
}

/** A plain-text table with a header rule; columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One line per failure and per skip, with its reason, so nothing is silent. */
export function formatDetails(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  for (const status of ['fail', 'skip'] as const) {
    for (const r of results.filter((x) => x.status === status)) {
      lines.push(`${status.toUpperCase()} ${r.adapter} ${r.case}: ${r.reason ?? ''}`);
    }
  }
  return lines.join('\n');
}

/** JSON numbers cannot be infinite: an infinite error (NaN/shape mismatch) is written as "Infinity". */
export function resultsToJson(results: readonly CaseResult[]): { results: unknown[] } {
  const num = (x: number | null) => (x === null || Number.isFinite(x) ? x : String(x));
  return {
    results: results.map((r) => ({
      case: r.case,
      adapter: r.adapter,
      status: r.status,
      maxAbsErr: num(r.maxAbsErr),
      maxRelErr: num(r.maxRelErr),
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      ...(r.known === undefined ? {} : { known: r.known }),
    })),
  };
}

/** Writes via a temp file + rename, so a reader never sees a half-written report. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}
