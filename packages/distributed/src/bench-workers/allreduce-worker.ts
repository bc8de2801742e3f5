/**
 * Times this transport's allreduce (and, on rank 0, memcpy of the same bytes) for bench.ts.
 * argv: bytes warmup iterations. Rank 0 prints one JSON line prefixed `RESULT `. Protocol, as in
 * native/allreduce_bench.c: barrier, time one call, repeat; the slowest rank's time counts per
 * iteration; the median over iterations is reported. The memcpy that the staged allreduce is
 * compared with is timed in the same loop, just before each of its iterations, so both see the
 * same machine load.
 */
import { connect } from '../connect.ts';
import type { FloatBuffer } from '../core.ts';
import { gatherAll } from './gather.ts';

const [bytes, warmup, iterations] = process.argv.slice(2).map(Number) as [number, number, number];
const c = connect();
const n = bytes / 4;
const input = Float32Array.from({ length: n }, (_, i) => ((i + c.rank) % 1000) * 0.001);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Per-iteration time of the slowest rank. */
function slowest(own: number[]): number[] {
  const ranks = gatherAll(c, own);
  return own.map((_, it) => Math.max(...ranks.map((times) => times[it]!)));
}

/** Median over iterations of the slowest rank's time for `op`; `before` runs ahead of each iteration, outside the timing. */
function time(op: () => void, before?: () => void): number {
  const times: number[] = [];
  for (let it = 0; it < warmup + iterations; it++) {
    before?.();
    c.barrier();
    const t0 = performance.now();
    op();
    const dt = (performance.now() - t0) / 1000;
    if (it >= warmup) times.push(dt);
  }
  return median(slowest(times));
}

/** Rank 0's memcpy of the same bytes, timed once per call (the rest of the ranks do nothing). */
const memcpyTimes: number[] = [];
const dst = new Float32Array(n);
const memcpy = () => {
  if (c.rank !== 0) return;
  const t0 = performance.now();
  dst.set(input);
  memcpyTimes.push((performance.now() - t0) / 1000);
};

c.barrier();
let sink = 0;
const allocating = time(() => {
  sink += c.allreduceMean(input)[1]!;
});
const inPlace =
  'allreduceMeanInPlace' in c ? (c as unknown as { allreduceMeanInPlace(b: FloatBuffer): void }) : undefined;
const work = input.slice();
const inPlaceSeconds = inPlace ? time(() => inPlace.allreduceMeanInPlace(work)) : Number.NaN;
const staging =
  'stagingBuffer' in c ? (c as unknown as { stagingBuffer(n: number): FloatBuffer }) : undefined;
let stagedSeconds = Number.NaN;
if (staging && inPlace) {
  const buffer = staging.stagingBuffer(n);
  buffer.set(input);
  stagedSeconds = time(() => inPlace.allreduceMeanInPlace(buffer), memcpy);
} else {
  for (let it = 0; it < warmup + iterations; it++) memcpy();
}
const memcpySeconds = c.rank === 0 ? median(memcpyTimes.slice(warmup)) : Number.NaN;
if (c.rank === 0) {
  console.log(
    `RESULT ${JSON.stringify({ bytes, ranks: c.size, transport: c.transport, memcpySeconds, allreduceSeconds: allocating, inPlaceSeconds, stagedSeconds, check: sink > 0 })}`,
  );
}
