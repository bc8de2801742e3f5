import type { Collective, FloatBuffer } from '../core.ts';

/**
 * Rank 0 of a 2-rank world whose peer's buffers are given in advance: every allreduceMean
 * returns (mine + peer) / 2 and broadcast from 0 returns mine. Records each call, so tests see
 * exactly what was communicated.
 */
export function twoRankStub(
  peer: (call: number, mine: FloatBuffer) => number[],
): Collective & { calls: string[] } {
  const calls: string[] = [];
  return {
    rank: 0,
    size: 2,
    calls,
    allreduceMean(buffer) {
      const other = peer(calls.length, buffer);
      calls.push(`allreduceMean ${buffer.constructor.name}(${buffer.length})`);
      const out = buffer.slice();
      for (let i = 0; i < out.length; i++) out[i] = (buffer[i]! + other[i]!) / 2;
      return out;
    },
    broadcast(buffer, root) {
      calls.push(`broadcast ${buffer.constructor.name}(${buffer.length}) from ${root}`);
      return buffer.slice();
    },
    barrier() {
      calls.push('barrier');
    },
  };
}
