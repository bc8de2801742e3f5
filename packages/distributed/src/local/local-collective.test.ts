import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runWorker } from '../testing/run-worker.ts';
import { SMALL_BYTES } from './world.ts';

/**
 * The local transport's paths interleaved under drift: the one-barrier small allreduce leaves
 * no closing barrier, so a rank a call ahead must never overwrite memory a peer still reads.
 * Every call's result is checked exactly in the worker (interleave-worker.ts) against
 * Σ_k v_k / K in float64 rank order; here, that all calls were checked on every rank and none
 * differed.
 */
const WORKER = fileURLToPath(new URL('./interleave-worker.ts', import.meta.url));
const CALLS = 240; // a multiple of every ops list's length
type Op = 'mean' | 'inPlace64' | 'staged' | 'staged64' | 'broadcast' | 'barrier';
const MIXED: Op[] = ['mean', 'inPlace64', 'staged', 'staged64', 'broadcast', 'barrier'];
// Back-to-back small allreduces: where a rank a call ahead would reuse memory soonest.
const SMALL_ONLY: Op[] = ['mean', 'staged', 'mean', 'inPlace64'];
// 4 KiB slots: 1000 float32 take the small path; 1030 and 1200 go round by round, as do the
// float64 halves above 512.
const ROUNDS = [1000, 1030, 17, 1200, 1024, 0];
// Default slots: lengths around SMALL_BYTES, so the staged reduce-scatter follows small calls.
const AROUND = [SMALL_BYTES / 4, SMALL_BYTES / 4 + 16, 5, SMALL_BYTES / 4 + 3];
const LARGEST_SMALL = [SMALL_BYTES / 4, SMALL_BYTES / 4 - 1, 5];

interface Case {
  readonly n: number;
  readonly slotBytes?: number;
  readonly ops: Op[];
  readonly lengths: number[];
  readonly name: string;
}

const CASES: Case[] = [
  { name: '2 ranks, 4 KiB slots, mixed calls', n: 2, slotBytes: 4096, ops: MIXED, lengths: ROUNDS },
  { name: '3 ranks, 4 KiB slots, mixed calls', n: 3, slotBytes: 4096, ops: MIXED, lengths: ROUNDS },
  { name: '2 ranks, lengths around the small limit, mixed calls', n: 2, ops: MIXED, lengths: AROUND },
  // 3 ranks: the staged path's dividing (not power-of-two) kernels
  { name: '3 ranks, lengths around the small limit, mixed calls', n: 3, ops: MIXED, lengths: AROUND },
  { name: '2 ranks, back-to-back small allreduces', n: 2, ops: SMALL_ONLY, lengths: LARGEST_SMALL },
  { name: '3 ranks, back-to-back small allreduces', n: 3, ops: SMALL_ONLY, lengths: LARGEST_SMALL },
];

describe('local transport: paths interleaved with ranks drifting apart', () => {
  it.each(CASES)(
    '$name',
    async ({ n, slotBytes, ops, lengths }) => {
      const run = await runWorker<{ checked: number; mismatches: string[] }>(
        WORKER,
        { lengths, calls: CALLS, ops },
        { n, ...(slotBytes === undefined ? {} : { slotBytes }) },
      );
      expect(run.result.code, run.lines.join('\n')).toBe(0);
      const barriers = ops.filter((o) => o === 'barrier').length * (CALLS / ops.length);
      for (const out of run.outputs) {
        expect(out?.mismatches).toEqual([]);
        expect(out?.checked).toBe(CALLS - barriers);
      }
    },
    60_000,
  );
});
