/**
 * The shape every benchmark reports, so the CLI's `bench` reads the entries of every frontend
 * package (tfjs, onnx, torch, distributed) without each defining its own. A measurement always
 * pairs Reptile with a peer timed in the same run (docs/benchmarks.md).
 */
export interface BenchMeasurement {
  /** Reptile's measurement. */
  readonly value: number;
  readonly unit: string;
  /** What Reptile is compared with, measured in the same run. */
  readonly peer: string;
  readonly peerValue: number;
  /** Reptile over peer, higher is better: peerValue / value for times, value / peerValue for speeds. */
  readonly ratio: number;
  /** The ratio this entry should reach, if it has a target. */
  readonly target?: number;
  /** Largest |Reptile − peer| over the verification steps (results must agree before timing counts). */
  readonly maxAbsDiff?: number;
  /** Secondary measurements (other code paths, raw times), for the report. */
  readonly details?: Readonly<Record<string, number>>;
}

/** One named benchmark of a frontend package, with sizes fixed by the issue that defines it. */
export interface FrontendBenchEntry {
  readonly name: string;
  readonly description?: string;
  run(): Promise<BenchMeasurement & { readonly name?: string }>;
}

/** The median (the mean of the two middle values for an even count), as benchmark reports use it. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
