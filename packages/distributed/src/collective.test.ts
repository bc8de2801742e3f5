import { describe, expect, it } from 'vitest';
import { type CollectiveOutput, rankValues } from './testing/collective-values.ts';
import { ensureMpiAddon, MPI_SHARED_MEMORY, MPI_TCP, runWorker, WORKERS } from './testing/run-worker.ts';

/**
 * Every transport's collectives against hand-computed means. The local transport accumulates in
 * float64 in rank order and rounds once, so its result is exactly fround(Σ_k v_k / K); MPI sums
 * in the buffer's precision in its own order, so it is checked to rounding. On every transport
 * all ranks must end with the same bits.
 */

// Ragged lengths: SIMD vectors hold 4 float32 / 2 float64, shares are multiples of 16 elements.
const LENGTHS = [0, 1, 17, 1001, 40_003];

interface Case {
  readonly name: string;
  readonly transport: 'local' | 'mpi';
  readonly n: number;
  readonly slotBytes?: number;
  readonly mpirunArgs?: readonly string[];
}

// The ZooKeeper tests run 1–4 ranks on both transports as well; here the cases that stress
// the collectives themselves: rounds through small slots, odd K, both MPI byte transports.
const CASES: Case[] = [
  { name: 'local, 1 rank', transport: 'local', n: 1 },
  // 4 KiB slots force many rounds (1024 float32 / 512 float64 per round) and a partial last one.
  { name: 'local, 2 ranks, small slots', transport: 'local', n: 2, slotBytes: 4096 },
  { name: 'local, 3 ranks, small slots', transport: 'local', n: 3, slotBytes: 4096 },
  { name: 'local, 4 ranks', transport: 'local', n: 4 },
  { name: 'mpi, 2 ranks, shared memory', transport: 'mpi', n: 2, mpirunArgs: MPI_SHARED_MEMORY },
  { name: 'mpi, 3 ranks, tcp', transport: 'mpi', n: 3, mpirunArgs: MPI_TCP },
];

/** Σ_k v_k / K accumulated in float64 in rank order. */
function exactMean(k: number, length: number, kind: 'f32' | 'f64'): number[] {
  const out = new Array<number>(length).fill(0);
  for (let r = 0; r < k; r++) {
    const v = rankValues(r, length, kind);
    for (let i = 0; i < length; i++) out[i]! += v[i]!;
  }
  return out.map((s) => (kind === 'f32' ? Math.fround(s / k) : s / k));
}

describe.each(CASES)('collectives: $name', (c) => {
  it('allreduceMean is the elementwise mean on every rank, with identical bits; broadcast delivers root’s buffer', async () => {
    if (c.transport === 'mpi') ensureMpiAddon();
    const run = await runWorker<CollectiveOutput>(
      WORKERS.collective,
      { lengths: LENGTHS },
      {
        n: c.n,
        transport: c.transport,
        ...(c.slotBytes === undefined ? {} : { slotBytes: c.slotBytes }),
        ...(c.mpirunArgs === undefined ? {} : { mpirunArgs: c.mpirunArgs }),
      },
    );
    expect(run.result.code, run.lines.join('\n')).toBe(0);
    const outputs = run.outputs.map((o) => o!);
    for (const out of outputs) {
      expect(out.size).toBe(c.n);
      expect(out.inputUntouched).toBe(true);
      LENGTHS.forEach((length, li) => {
        const [m32, m64, inPlace, staged] = out.means[li]!;
        const e32 = exactMean(c.n, length, 'f32');
        const e64 = exactMean(c.n, length, 'f64');
        if (c.transport === 'local') {
          expect(m32).toEqual(e32);
          expect(m64).toEqual(e64);
        } else {
          // float32 sums of K values below 200 in magnitude: error ≤ K ulps of 256 ≈ K·3e-5.
          m32!.forEach((v, i) => {
            expect(Math.abs(v - e32[i]!)).toBeLessThanOrEqual(c.n * 3.1e-5);
          });
          m64!.forEach((v, i) => {
            expect(Math.abs(v - e64[i]!)).toBeLessThanOrEqual(c.n * 6e-14);
          });
        }
        expect(inPlace).toEqual(m32);
        if (c.n > 1) expect(staged).toEqual(m64);
      });
      out.broadcasts.forEach((b, root) => {
        expect(b).toEqual([root, root, root + 0.25]);
      });
    }
    // Bit-identical across ranks (JSON keeps every double exactly).
    for (const out of outputs.slice(1))
      expect(JSON.stringify(out.means)).toBe(JSON.stringify(outputs[0]!.means));
  });
});

describe('local transport misuse', () => {
  it('ranks calling with different lengths stop with an error naming both calls', async () => {
    const run = await runWorker<CollectiveOutput>(
      WORKERS.collective,
      { lengths: [4], mismatch: true },
      { n: 2 },
    );
    expect(run.result.code).not.toBe(0);
    const text = run.lines.join('\n');
    expect(text).toMatch(
      /call #1 differs: rank \d made allreduceMean\(1[01] × 32-bit, root -1\), rank \d made allreduceMean\(1[01] × 32-bit/,
    );
    expect(run.outputs).toEqual([undefined, undefined]);
  });
});
