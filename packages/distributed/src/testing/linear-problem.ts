import { createRng } from '../rng.ts';

/**
 * A least-squares problem small enough that tests can follow every step in closed form:
 * y = x·w* + b* + noise, loss = mean over the batch of (x·w + b − y)².
 */
export interface LinearProblem {
  readonly n: number;
  readonly d: number;
  /** Row-major [n, d]. */
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export function linearProblem(n: number, d: number, seed: number): LinearProblem {
  const rng = createRng(seed);
  const trueW = Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 1 : -1) * (j + 1) * 0.5);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0.3;
    for (let j = 0; j < d; j++) {
      const v = 2 * rng.next() - 1;
      x[i * d + j] = v;
      s += trueW[j]! * v;
    }
    y[i] = s + 0.1 * (rng.next() - 0.5);
  }
  return { n, d, x, y };
}

/** Each rank starts from its own weights, so a test sees that rank 0's are broadcast. */
export function rankInit(d: number, rank: number): { w: number[]; b: number } {
  const rng = createRng(1000 + rank);
  return { w: Array.from({ length: d }, () => rng.next() - 0.5), b: rng.next() - 0.5 };
}

/** The jitter added to a batch's inputs, drawn from the rank's generator (so resuming must restore it). */
export const JITTER = 0.01;

/**
 * Rows of the batch for step `batch` of `epoch` and the jittered inputs, given the rank's shard
 * order. Shared by the worker and the tests' closed-form replay.
 */
export function batchInputs(
  problem: LinearProblem,
  rows: ArrayLike<number>,
  next: () => number,
): { x: Float64Array; y: Float64Array } {
  const { d } = problem;
  const x = new Float64Array(rows.length * d);
  const y = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let j = 0; j < d; j++) x[i * d + j] = problem.x[r * d + j]! + JITTER * (next() - 0.5);
    y[i] = problem.y[r]!;
  }
  return { x, y };
}

/** Config and output of linear-worker.ts (here so tests can import them without running it). */
export interface LinearWorkerConfig {
  readonly out: string;
  readonly n: number;
  readonly d: number;
  readonly batch: number;
  readonly steps: number;
  readonly seed: number;
  readonly optimizer: unknown;
  /** Moving-mean momentum of the non-trainable input statistics. */
  readonly statsMomentum: number;
  readonly checkpoint?: { readonly dir: string; readonly every: number };
  readonly fault?: {
    readonly rank: number;
    readonly step: number;
    readonly how: 'exit' | 'kill' | 'hang' | 'throw';
  };
  /** Sleep after each step, so a test can kill a rank while the run is still going. */
  readonly stepDelayMs?: number;
  /** Collective timeout for the MPI transport (the local one takes it from the launcher). */
  readonly timeoutMs?: number;
}

export interface StepLog {
  readonly step: number;
  readonly before: number[];
  readonly grad: number[];
  readonly after: number[];
  readonly stats: number[];
  readonly synced: boolean;
}

export interface WorkerOutput {
  readonly rank: number;
  readonly size: number;
  readonly transport: string;
  readonly resumedFrom: number | null;
  readonly log: StepLog[];
  readonly final: number[];
  readonly consensus: number[];
  readonly stats: number[];
}
