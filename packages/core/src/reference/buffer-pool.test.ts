import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType, TypedArray } from '../dtype.ts';
import { Tensor } from '../tensor/tensor.ts';
import { ReferenceBackend } from './backend.ts';
import { BufferPool } from './buffer-pool.ts';

/** Hands out buffers full of garbage, so a kernel that skips an element of its output shows. */
class ScribblingPool extends BufferPool {
  override take(dtype: DType, size: number): TypedArray {
    const buffer = super.take(dtype, size);
    if (dtype === 'int32') buffer.fill(0x5a5a5a5a);
    else if (dtype === 'bool') buffer.fill(7);
    else buffer.fill(Number.NaN);
    return buffer;
  }
}

const bits = (a: TypedArray) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('BufferPool', () => {
  it('reuses a given buffer for the same dtype and size only', () => {
    const pool = new BufferPool(1024);
    const a = pool.take('float32', 4);
    pool.give('float32', a);
    expect(pool.idleBytes).toBe(16);
    expect(pool.take('float64', 4)).not.toBe(a);
    expect(pool.take('float32', 5)).not.toBe(a);
    expect(pool.take('float32', 4)).toBe(a);
    expect(pool.idleBytes).toBe(0);
  });
  it('keeps at most its capacity idle, and never empty buffers', () => {
    const pool = new BufferPool(40);
    pool.give('float32', new Float32Array(8));
    pool.give('float32', new Float32Array(8)); // 64 bytes would exceed 40
    pool.give('float32', new Float32Array(0));
    expect(pool.idleBytes).toBe(32);
  });
});

/**
 * Random programs over two [n, n] inputs: each step applies one primitive family (fused
 * elementwise chains, matmul, transpose, reductions, argmax, broadcast, reshape views, pad,
 * slice, concat, casts, where, conv2d) to earlier values, so buffers die and get reused mid-run.
 */
type Step = (a: Tensor, b: Tensor, n: number) => Tensor;
const STEPS: readonly Step[] = [
  (a, b) => a.add(b).mul(a),
  (a) => a.abs().neg().exp(),
  (a, b) => a.matmul(b),
  (a) => a.transpose(),
  (a, _, n) => a.sum(1, true).broadcastTo([n, n]),
  (a, b) => a.max(0, true).sub(b),
  // rows of −∞ (all of a row's entries positive) have no maximum to move to: index 0
  (a, _, n) => Tensor.where(a.gt(0), -Infinity, a).argMax(1).cast(a.dtype).expandDims(1).broadcastTo([n, n]),
  (a, _, n) => a.reshape([n * n]).reshape([n, n]),
  (a, _, n) =>
    a
      .pad(
        [
          [1, 0],
          [0, 1],
        ],
        2,
      )
      .slice([0, 1], [n, n + 1]), // keeps a padded row and column
  (a, b, n) => Tensor.concat([a, b], 0).slice([n, 0], [2 * n, n]),
  (a) => a.mul(3).cast('int32').add(1).cast(a.dtype),
  (a, b) => Tensor.where(a.gt(b).logicalAnd(b.lt(0.5)), a, b.sqrt()),
  (a) => a.min(1, true).mul(a),
  (a, _, n) =>
    a
      .reshape([1, 1, n, n])
      .conv2d(Tensor.fromData([0.25, -0.5, 1, 0.75], [1, 1, 2, 2], a.dtype), {
        pads: [
          [1, 0],
          [0, 1],
        ],
      })
      .reshape([n, n]),
];

interface Program {
  readonly n: number;
  readonly dtype: 'float32' | 'float64';
  readonly steps: readonly (readonly [number, number, number])[];
  readonly outputs: readonly number[];
}

const program: fc.Arbitrary<Program> = fc.record({
  n: fc.integer({ min: 1, max: 5 }),
  dtype: fc.constantFrom('float32' as const, 'float64' as const),
  steps: fc.array(fc.tuple(fc.nat(STEPS.length - 1), fc.nat(100), fc.nat(100)), {
    minLength: 1,
    maxLength: 12,
  }),
  outputs: fc.array(fc.nat(100), { minLength: 1, maxLength: 4 }),
});

/** The program's output tensors (a fresh graph each call, over fixed input values). */
function build(p: Program): Tensor[] {
  const values = (phase: number) =>
    Tensor.fromData(
      Array.from({ length: p.n * p.n }, (_, i) => Math.sin(i * 1.7 + phase) * 2),
      [p.n, p.n],
      p.dtype,
    );
  const made = [values(0), values(1)];
  for (const [s, i, j] of p.steps) made.push(STEPS[s]!(made[i % made.length]!, made[j % made.length]!, p.n));
  // always the last value, plus any earlier ones (those also feed later steps: they must escape)
  return [made.at(-1)!, ...p.outputs.map((o) => made[2 + (o % (made.length - 2))]!)];
}

const run = (backend: ReferenceBackend, p: Program) => backend.run(build(p).map((t) => t.node));

describe('the reference backend recycles intermediate buffers', () => {
  it('gives the bits of a run without recycling, even when every reused buffer holds garbage', () => {
    fc.assert(
      fc.property(program, (p) => {
        const want = run(new ReferenceBackend({ poolBytes: 0 }), p).map(bits);
        const scribbled = new ReferenceBackend({ pool: new ScribblingPool(1 << 20) });
        const first = run(scribbled, p);
        expect(first.map(bits)).toEqual(want);
        // a second run reuses what the first gave back; the first run's outputs are untouched
        expect(run(scribbled, p).map(bits)).toEqual(want);
        expect(first.map(bits)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('hands dead intermediates back and takes them again on the next run', () => {
    const backend = new ReferenceBackend();
    const x = Tensor.fromData([1, 2, 3, 4, 5, 6], [2, 3]);
    const graph = () => x.matmul(x.transpose()).exp().sum(1).add(x.sum(1));
    const out = backend.run([graph().node]);
    const idle = backend.pool.idleBytes;
    expect(idle).toBeGreaterThan(0); // the matmul's [2, 2] product and the fused exp at least
    expect(backend.run([graph().node])).toEqual(out);
    expect(backend.pool.idleBytes).toBe(idle);
  });

  it('never recycles outputs, inputs or constants, nor a buffer an output views', () => {
    const backend = new ReferenceBackend();
    const input = Tensor.placeholder('x', [2, 2]);
    const bound = new Float32Array([1, 2, 3, 4]);
    const constant = Tensor.fromData([5, 6, 7, 8], [2, 2]);
    const product = input.matmul(constant);
    const view = product.reshape([4]); // an output that views an intermediate buffer
    const [v, c] = backend.run([view.node, constant.node], new Map([[input.node, bound]]));
    expect(backend.pool.idleBytes).toBe(0);
    backend.run([input.add(constant).mul(2).matmul(input).node], new Map([[input.node, bound]]));
    expect(Array.from(v!)).toEqual([19, 22, 43, 50]);
    expect(Array.from(c!)).toEqual([5, 6, 7, 8]);
    expect(Array.from(bound)).toEqual([1, 2, 3, 4]);
  });

  it('is off with poolBytes 0', () => {
    const backend = new ReferenceBackend({ poolBytes: 0 });
    const x = Tensor.fromData([1, 2, 3, 4], [2, 2]);
    backend.run([x.matmul(x).exp().sum().node]);
    expect(backend.pool.idleBytes).toBe(0);
  });
});
