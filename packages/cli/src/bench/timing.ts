import { performance } from 'node:perf_hooks';
import { median } from '@reptile/core';

export interface TimingPlan {
  /** Untimed rounds first, so the JIT and allocator settle before measuring. */
  readonly warmup: number;
  /** Timed rounds; the median is reported. */
  readonly runs: number;
}

/**
 * Times several contenders round-robin in the same process: each round runs every contender once,
 * rotating who goes first, so drift (thermal, GC, other load) hits all of them alike. Returns the
 * median milliseconds per contender, in input order.
 */
export function interleavedMedians(contenders: readonly (() => void)[], plan: TimingPlan): number[] {
  const times = contenders.map(() => [] as number[]);
  for (let round = 0; round < plan.warmup + plan.runs; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (round + k) % contenders.length;
      const start = performance.now();
      contenders[i]!();
      const elapsed = performance.now() - start;
      if (round >= plan.warmup) times[i]!.push(elapsed);
    }
  }
  return times.map(median);
}
