import { fail } from '../errors.ts';

export type FloatBuffer = Float32Array | Float64Array;

/**
 * The communication ZooKeeper needs, implemented by transports (in-process, MPI, ...).
 * Synchronous for now: every rank calls the same methods in the same order. A later transport
 * over sockets or MPI from Node may need an async variant (Promise-returning methods); the
 * ZooKeeper phases are already split so that only the consensus phase would change.
 */
export interface Collective {
  readonly rank: number;
  readonly size: number;
  /**
   * Elementwise mean over ranks of one fused flat buffer (all params at once, one call per sync
   * step). Returns a buffer of the same type and length. Summation order is the transport's, so
   * results from different transports agree only to rounding.
   */
  allreduceMean(buffer: FloatBuffer): FloatBuffer;
  /** Every rank receives root's buffer. */
  broadcast(buffer: FloatBuffer, root: number): FloatBuffer;
  barrier(): void;
}

/** The K = 1 collective: the mean of one buffer is itself. */
export function singleRankCollective(): Collective {
  return {
    rank: 0,
    size: 1,
    allreduceMean: (buffer) => buffer.slice(),
    broadcast(buffer, root) {
      if (root !== 0) fail(`root ${root} does not exist in a single-rank collective`, { where: 'broadcast' });
      return buffer.slice();
    },
    barrier: () => undefined,
  };
}

/**
 * Elementwise mean of equal-length buffers, accumulated in float64 in rank order and rounded
 * once to the buffer type. Used by in-process simulation; one buffer gives itself exactly.
 */
export function meanOfBuffers(buffers: readonly FloatBuffer[]): FloatBuffer {
  const first = buffers[0];
  if (first === undefined) fail('needs at least one buffer', { where: 'meanOfBuffers' });
  // Starting from the first buffer (not zeros) keeps K = 1 exact down to the sign of zero.
  const acc = Float64Array.from(first);
  for (const b of buffers.slice(1)) {
    if (b.length !== first.length || b.constructor !== first.constructor) {
      fail('buffers differ in length or type', { where: 'meanOfBuffers' });
    }
    for (let i = 0; i < acc.length; i++) acc[i]! += b[i]!;
  }
  const out = first instanceof Float32Array ? new Float32Array(acc.length) : new Float64Array(acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = acc[i]! / buffers.length;
  return out;
}
