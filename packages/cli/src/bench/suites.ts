import { formatTable } from '../workspace.ts';
import type { BenchOptions, BenchResult, BenchSuite } from './bench.ts';
import { coreSuite } from './core-suite.ts';

/** Benchmark suites by name; frontends (tfjs, onnx, torch) add their suite here. */
export const SUITES: ReadonlyMap<string, BenchSuite> = new Map([[coreSuite.name, coreSuite]]);

export interface SuiteReport {
  readonly suite: string;
  readonly results: BenchResult[];
}

/** Runs every entry of a suite in order; `onResult` sees each result as soon as it is measured. */
export function runSuite(
  suite: BenchSuite,
  options: BenchOptions,
  onResult: (r: BenchResult) => void = () => {},
): SuiteReport {
  const results: BenchResult[] = [];
  for (const entry of suite.entries(options)) {
    const result = entry.run(options);
    results.push(result);
    onResult(result);
  }
  return { suite: suite.name, results };
}

export function formatBenchTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    `${r.value.toFixed(3)} ${r.unit}`,
    `${r.peer}: ${r.peerValue.toFixed(3)} ${r.unit}`,
    r.ratio.toFixed(3),
    r.target === undefined ? '-' : `≥ ${r.target} ${r.ratio >= r.target ? 'met' : 'NOT met'}`,
  ]);
  return formatTable(['entry', 'reptile', 'peer', 'ratio', 'target'], rows);
}
