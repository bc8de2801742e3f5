import { describe, expect, it } from 'vitest';
import type { FloatBuffer } from './core.ts';
import { fusedBroadcastBuffers, fusedMeanBuffers } from './fused-buffers.ts';
import { twoRankStub } from './testing/two-rank-stub.ts';

const lists = (vs: readonly ArrayLike<number>[]) => vs.map((v) => Array.from(v));

describe('fused buffers', () => {
  it('averages each dtype in one fused allreduce, float32 first, keeping order and dtype', () => {
    const stub = twoRankStub((_, mine) => Array.from(mine, (v) => v + 2));
    const out = fusedMeanBuffers(stub, [
      Float64Array.of(1, 2),
      Float32Array.of(0.5),
      Float64Array.of(3),
      Float32Array.of(-1, 4),
    ]);
    expect(stub.calls).toEqual(['allreduceMean Float32Array(3)', 'allreduceMean Float64Array(3)']);
    expect(out.map((v) => v.constructor.name)).toEqual([
      'Float64Array',
      'Float32Array',
      'Float64Array',
      'Float32Array',
    ]);
    expect(lists(out)).toEqual([[2, 3], [1.5], [4], [0, 5]]);
  });

  it('reduces in the transport’s staging memory when it fits, and returns copies', () => {
    const staging = new Float32Array(4);
    const used: string[] = [];
    const world = {
      ...twoRankStub(() => []),
      slotBytes: 16,
      stagingBuffer(length: number): FloatBuffer {
        used.push(`staging(${length})`);
        return staging.subarray(0, length);
      },
      allreduceMeanInPlace(buffer: FloatBuffer) {
        used.push(`inPlace(${buffer.length}) shared=${buffer.buffer === staging.buffer}`);
        for (let i = 0; i < buffer.length; i++) buffer[i] = buffer[i]! * 3;
      },
    };
    const out = fusedMeanBuffers(world, [Float32Array.of(1, 2), Float32Array.of(3)]);
    expect(used).toEqual(['staging(3)', 'inPlace(3) shared=true']);
    expect(lists(out)).toEqual([[3, 6], [9]]);
    expect(out.some((v) => v.buffer === staging.buffer)).toBe(false);
    // Five float32 values (20 bytes) do not fit the 16-byte slot: a buffer of its own, still in place.
    used.length = 0;
    fusedMeanBuffers(world, [new Float32Array(5)]);
    expect(used).toEqual(['inPlace(5) shared=false']);
  });

  it('broadcasts each dtype in one call', () => {
    const stub = twoRankStub(() => []);
    const out = fusedBroadcastBuffers(stub, [Float32Array.of(1), Float64Array.of(2), Float32Array.of(3)], 0);
    expect(stub.calls).toEqual(['broadcast Float32Array(2) from 0', 'broadcast Float64Array(1) from 0']);
    expect(lists(out)).toEqual([[1], [2], [3]]);
  });

  it('refuses integer state, naming the tensor', () => {
    expect(() =>
      fusedMeanBuffers(
        twoRankStub(() => []),
        [Float32Array.of(1), Int32Array.of(1)],
      ),
    ).toThrow('zookeeper rank: tensor 1 is int32; only float32/float64 state can be averaged');
  });
});
