import { join } from 'node:path';
import type { ConformanceAdapter } from './adapter.ts';
import type { Case } from './case.ts';
import { fail } from './core.ts';
import { unusedEntries } from './known.ts';
import { loadCases, loadKnownList } from './load.ts';
import { ADAPTERS, type AdapterEntry, resolveAdapters } from './registry.ts';
import { type Counts, countResults, formatDetails, formatMatrix, summaryLine } from './report.ts';
import { type CaseResult, runMatrix } from './runner.ts';

export interface ConformanceOptions {
  /** Case files or directories (searched recursively). */
  readonly cases: readonly string[];
  /** Adapter names; every available registered adapter when undefined. */
  readonly adapters?: readonly string[];
  /** Directory of `<adapter>.json` known lists. */
  readonly knownDir: string;
  readonly registry?: ReadonlyMap<string, AdapterEntry>;
}

export interface ConformanceRun {
  readonly cases: readonly Case[];
  readonly adapters: readonly ConformanceAdapter[];
  readonly results: readonly CaseResult[];
  readonly counts: Counts;
  /** Matrix, failure/skip details, notes, then the summary line last. */
  readonly report: string;
  /** True when nothing failed and at least one case ran. */
  readonly ok: boolean;
}

/** Loads cases and known lists, runs the matrix and renders the report. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceRun> {
  const cases = loadCases(options.cases);
  if (cases.length === 0) {
    fail(`no case files found in ${options.cases.join(', ')}`, {
      where: '--cases',
      hint: 'cases are *.json files',
    });
  }
  const { adapters, unavailable } = await resolveAdapters(options.adapters, options.registry ?? ADAPTERS);
  const known = new Map(adapters.map((a) => [a.name, loadKnownList(options.knownDir, a.name)]));
  const results = await runMatrix(cases, adapters, known);
  const counts = countResults(results);

  const notes: string[] = [];
  for (const u of unavailable) notes.push(`note: adapter '${u.name}' not run: ${u.reason}`);
  const names = cases.map((c) => c.name);
  for (const [adapter, list] of known) {
    for (const e of unusedEntries(list, names)) {
      notes.push(`note: ${join(options.knownDir, `${adapter}.json`)} entry '${e.case}' matches no case`);
    }
  }
  const ran = counts.passed + counts.failed;
  if (ran === 0) notes.push('error: no case ran (every case was skipped)');
  const details = formatDetails(results);
  const report = [
    formatMatrix(
      results,
      adapters.map((a) => a.name),
    ),
    '',
    ...(details ? [details, ''] : []),
    ...(notes.length ? [...notes, ''] : []),
    `${cases.length} cases × ${adapters.length} adapter(s)`,
    summaryLine(counts),
  ].join('\n');
  return { cases, adapters, results, counts, report, ok: counts.failed === 0 && ran > 0 };
}
