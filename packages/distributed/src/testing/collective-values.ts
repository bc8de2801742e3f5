import type { FloatBuffer } from '../core.ts';

/** Inputs and outputs of collective-worker.ts, shared with the tests. */

export interface CollectiveWorkerConfig {
  readonly out: string;
  /** Buffer lengths to reduce. */
  readonly lengths: readonly number[];
  /** Make rank 1 call allreduceMean with one element more than the others. */
  readonly mismatch?: boolean;
}

/** Rank r's deterministic test values: distinct per rank and index, exactly representable. */
export function rankValues(rank: number, length: number, kind: 'f32' | 'f64'): FloatBuffer {
  const out = kind === 'f32' ? new Float32Array(length) : new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = ((i * 7919 + rank * 104729) % 1000) / 8 - 60 + rank * 0.1;
  return out;
}

export interface CollectiveOutput {
  readonly rank: number;
  readonly size: number;
  /** Per length: [f32 mean, f64 mean, f32 in-place mean, f64 staged mean] as plain arrays (exact doubles). */
  readonly means: number[][][];
  /** broadcast from each root of [root, rank-specific] values. */
  readonly broadcasts: number[][];
  /** allreduceMean must not modify its input. */
  readonly inputUntouched: boolean;
}
