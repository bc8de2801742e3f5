import type { BenchMeasurement } from '@reptile/core';
/** Shapes shared by every benchmark suite. */
export interface BenchOptions {
  /** Total parameter count of the optimizer benchmarks. */
  readonly size: number;
  /** Number of tensors the parameters are split into. */
  readonly tensors: number;
  readonly warmup: number;
  readonly runs: number;
  readonly seed: number;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  size: 1_000_000,
  tensors: 4,
  warmup: 5,
  runs: 21,
  seed: 1,
};

export type BenchResult = BenchMeasurement & { readonly name: string };

export interface BenchEntry {
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): BenchResult | Promise<BenchResult>;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  entries(options: BenchOptions): readonly BenchEntry[] | Promise<readonly BenchEntry[]>;
}

/** Short size label used in entry names: 1000000 → "1M", 4096 → "4096", 2000 → "2k". */
export function sizeLabel(n: number): string {
  if (n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

/** Lower-is-better measurements (times) invert, so the ratio always reads "higher is better". */
export function timeRatio(reptileMs: number, peerMs: number): number {
  return peerMs / reptileMs;
}
