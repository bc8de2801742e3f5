import { fail } from './core.ts';
import { createRng, permutation } from './rng.ts';

/**
 * Rank `rank`'s share of `n` examples: the same seeded permutation on every rank (a fresh one
 * per epoch), cut into `size` equal contiguous pieces. Shards never overlap and have equal
 * length, so every rank runs the same number of steps (a rank with one step more would wait
 * in its extra allreduce forever); the n mod size left-over examples of an epoch are skipped,
 * and a different permutation next epoch skips different ones.
 */
export function shardIndices(
  n: number,
  rank: number,
  size: number,
  options: { seed?: number; epoch?: number } = {},
): Int32Array {
  checkShard(n, rank, size);
  const per = Math.floor(n / size);
  const order =
    options.seed === undefined
      ? Int32Array.from({ length: n }, (_, i) => i)
      : permutation(n, createRng(epochSeed(options.seed, options.epoch ?? 0)));
  return order.slice(rank * per, (rank + 1) * per);
}

/** [start, end) of rank's contiguous block of n items (no shuffling), equal-length blocks. */
export function shardRange(n: number, rank: number, size: number): { start: number; end: number } {
  checkShard(n, rank, size);
  const per = Math.floor(n / size);
  return { start: rank * per, end: (rank + 1) * per };
}

/** A per-epoch seed derived from the run seed (the same on every rank). */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(epoch + 1, 0x85ebca77)) >>> 0;
}

function checkShard(n: number, rank: number, size: number): void {
  if (!Number.isInteger(size) || size < 1)
    fail(`world size ${size} must be a positive integer`, { where: 'shard' });
  if (!Number.isInteger(rank) || rank < 0 || rank >= size)
    fail(`rank ${rank} is outside a world of ${size}`, { where: 'shard' });
  if (!Number.isInteger(n) || n < size) {
    fail(`${n} examples cannot be split over ${size} ranks`, {
      where: 'shard',
      hint: 'use at least one example per rank',
    });
  }
}
