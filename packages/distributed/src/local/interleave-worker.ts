/**
 * Fixture for local-collective.test.ts: many collective calls in a row, mixing every path of the
 * local transport (one-barrier small allreduce, the staged one-pass reduce-scatter/all-gather
 * in float32 and float64, round-by-round reduce-scatter, broadcast, barrier), with ranks
 * drifting apart by rank-dependent busy waits, so a rank often
 * runs a call ahead of its peers. Each result is checked against Σ_k v_k / K accumulated in
 * float64 in rank order (rounded once for float32); writes out/rank-<r>.json with the count of
 * checked calls and every mismatch. argv[2]: JSON {out, lengths, calls, ops}.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../connect.ts';
import type { FloatBuffer } from '../core.ts';
import type { LocalCollective } from './local-collective.ts';

interface Config {
  readonly out: string;
  /** Float32 lengths cycled through; float64 calls use half of each. */
  readonly lengths: readonly number[];
  readonly calls: number;
  /** The calls cycled through. */
  readonly ops: readonly ('mean' | 'inPlace64' | 'staged' | 'staged64' | 'broadcast' | 'barrier')[];
}

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Config;
const c = connect() as LocalCollective;

const value = (rank: number, call: number, i: number): number =>
  ((i * 7919 + rank * 104729 + call * 31) % 1000) / 8 - 60 + rank * 0.1;

function fillFor(buffer: FloatBuffer, rank: number, call: number): FloatBuffer {
  for (let i = 0; i < buffer.length; i++) buffer[i] = value(rank, call, i);
  return buffer;
}

function expected(length: number, call: number, f32: boolean): number[] {
  return Array.from({ length }, (_, i) => {
    let sum = 0;
    for (let r = 0; r < c.size; r++) sum += f32 ? Math.fround(value(r, call, i)) : value(r, call, i);
    return f32 ? Math.fround(sum / c.size) : sum / c.size;
  });
}

function busy(microseconds: number): void {
  const until = performance.now() + microseconds / 1000;
  while (performance.now() < until) {}
}

const mismatches: string[] = [];
let checked = 0;
function check(what: string, got: FloatBuffer, want: number[]): void {
  checked++;
  const at = want.findIndex((v, i) => !Object.is(v, got[i]));
  if (got.length !== want.length || at >= 0)
    mismatches.push(`${what}: length ${got.length}/${want.length}, first difference at ${at}`);
}

for (let call = 0; call < cfg.calls; call++) {
  busy(((call * 7 + c.rank * 13) % 5) * 40);
  const n = cfg.lengths[call % cfg.lengths.length]!;
  switch (cfg.ops[call % cfg.ops.length]) {
    case 'mean':
      check(
        `#${call} allreduceMean f32 ${n}`,
        c.allreduceMean(fillFor(new Float32Array(n), c.rank, call)),
        expected(n, call, true),
      );
      break;
    case 'inPlace64': {
      const m = Math.floor(n / 2);
      const b = fillFor(new Float64Array(m), c.rank, call);
      c.allreduceMeanInPlace(b);
      check(`#${call} in place f64 ${m}`, b, expected(m, call, false));
      break;
    }
    case 'staged': {
      const fits = n * 4 <= c.slotBytes;
      const b = fits ? c.stagingBuffer(n) : new Float32Array(n);
      fillFor(b, c.rank, call);
      c.allreduceMeanInPlace(b);
      check(`#${call} staged f32 ${n}`, b, expected(n, call, true));
      break;
    }
    case 'staged64': {
      const m = Math.floor(n / 2);
      const fits = m * 8 <= c.slotBytes;
      const b = fits ? c.stagingBuffer(m, 'float64') : new Float64Array(m);
      fillFor(b, c.rank, call);
      c.allreduceMeanInPlace(b);
      check(`#${call} staged f64 ${m}`, b, expected(m, call, false));
      break;
    }
    case 'broadcast': {
      const root = call % c.size;
      const got = c.broadcast(fillFor(new Float32Array(n), c.rank, call), root);
      check(
        `#${call} broadcast ${n} from ${root}`,
        got,
        Array.from(fillFor(new Float32Array(n), root, call)),
      );
      break;
    }
    default:
      c.barrier();
  }
}
writeFileSync(join(cfg.out, `rank-${c.rank}.json`), JSON.stringify({ checked, mismatches }));
