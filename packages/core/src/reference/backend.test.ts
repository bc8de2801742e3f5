import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { materialize, Tensor } from '../tensor/tensor.ts';

/**
 * The reference backend is the executable spec: these tests pin the edge-case semantics that
 * docs/protocol.md documents and every other frontend is compared against.
 */
const f32 = (data: number[]) => Tensor.fromData(data, [data.length], 'float32');
const f64 = (data: number[]) => Tensor.fromData(data, [data.length], 'float64');
const i32 = (data: number[]) => Tensor.fromData(data, [data.length], 'int32');

describe('floating-point edge cases', () => {
  it('log: log(0) = −∞, log(−1) = NaN, log(∞) = ∞', () => {
    expect(f32([0, -1, Infinity]).log().toArray()).toEqual([-Infinity, NaN, Infinity]);
  });
  it('division: 0/0 = NaN, ±1/0 = ±∞, 1/−0 = −∞', () => {
    expect(
      f64([0, 1, -1, 1])
        .div(f64([0, 0, 0, -0]))
        .toArray(),
    ).toEqual([NaN, Infinity, -Infinity, -Infinity]);
  });
  it('sqrt of a negative is NaN; exp overflows to ∞ and underflows to 0', () => {
    expect(f32([-1]).sqrt().toArray()).toEqual([NaN]);
    expect(f32([100, -200]).exp().toArray()).toEqual([Infinity, 0]);
  });
  it('NaN propagates through maximum/minimum and reductions', () => {
    expect(
      f32([NaN, 1])
        .maximum(f32([1, NaN]))
        .toArray(),
    ).toEqual([NaN, NaN]);
    expect(f32([1, NaN]).minimum(0).toArray()).toEqual([0, NaN]);
    expect(f32([1, NaN, 3]).sum().item()).toBeNaN();
    expect(f32([1, NaN, 3]).max().item()).toBeNaN();
    expect(f32([3, NaN, 1]).min().item()).toBeNaN();
  });
  it('comparisons with NaN are false, except ne', () => {
    const nan = f32([NaN]);
    expect(
      [nan.lt(1), nan.le(1), nan.gt(1), nan.ge(1), nan.eq(nan), nan.ne(nan)].map((t) => t.item()),
    ).toEqual([0, 0, 0, 0, 0, 1]);
  });
  it('argmax returns the first maximum, and NaN counts as the maximum', () => {
    expect(f32([1, 3, 3, 2]).argMax().item()).toBe(1);
    expect(f32([1, NaN, 5]).argMax().item()).toBe(1);
  });
  it('float32 arithmetic rounds every operation to float32', () => {
    // 0.1 + 0.2 in float32 is fround(fround(0.1) + fround(0.2)), not the float64 sum
    expect(f32([0.1]).add(0.2).item()).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
    expect(f64([0.1]).add(0.2).item()).toBe(0.1 + 0.2);
  });
  it('sum accumulates in float64 and rounds once', () => {
    const many = Tensor.full([1000], 0.1, 'float32');
    expect(many.sum().item()).toBe(Math.fround(Math.fround(0.1) * 1000));
  });
});

describe('int32 and bool semantics', () => {
  it('int32 add and mul wrap modulo 2^32', () => {
    expect(i32([2147483647]).add(1).item()).toBe(-2147483648);
    expect(i32([65536]).mul(65536).item()).toBe(0);
    expect(i32([-2147483648]).neg().item()).toBe(-2147483648);
  });
  it('int32 division truncates toward zero and x/0 is 0', () => {
    expect(
      i32([7, -7, 7, 5])
        .div(i32([2, 2, -2, 0]))
        .toArray(),
    ).toEqual([3, -3, -3, 0]);
  });
  it('int32 sum wraps', () => {
    expect(i32([2147483647, 1]).sum().item()).toBe(-2147483648);
  });
  it('cast float→int32 truncates, saturates and maps NaN to 0', () => {
    expect(f64([2.7, -2.7, 1e10, -1e10, NaN]).cast('int32').toArray()).toEqual([
      2, -2, 2147483647, -2147483648, 0,
    ]);
  });
  it('cast to bool is x ≠ 0 (NaN is true); bool to float is 0/1', () => {
    expect(f32([0, -0, 2, NaN]).cast('bool').toArray()).toEqual([0, 0, 1, 1]);
    expect(f32([0, 2]).cast('bool').cast('float32').toArray()).toEqual([0, 1]);
  });
  it('exp/log/sqrt on int32 are refused with a hint to cast', () => {
    expect(() => i32([1]).exp()).toThrow(/needs a float dtype.*cast/);
  });
  it('logical ops work on bool', () => {
    const a = f32([0, 1, 0, 1]).cast('bool');
    const b = f32([0, 0, 1, 1]).cast('bool');
    expect(a.logicalAnd(b).toArray()).toEqual([0, 0, 0, 1]);
    expect(a.logicalOr(b).toArray()).toEqual([0, 1, 1, 1]);
    expect(a.logicalNot().toArray()).toEqual([1, 0, 1, 0]);
  });
});

describe('movement, reductions and matmul', () => {
  const m = Tensor.fromData([1, 2, 3, 4, 5, 6], [2, 3]);
  it('transpose, slice, pad, concat', () => {
    expect(m.transpose().toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(m.slice([0, 1], [2, 3]).toArray()).toEqual([2, 3, 5, 6]);
    expect(
      m
        .pad(
          [
            [0, 1],
            [1, 0],
          ],
          -1,
        )
        .toArray(),
    ).toEqual([-1, 1, 2, 3, -1, 4, 5, 6, -1, -1, -1, -1]);
    expect(Tensor.concat([m, m.mul(10)], 0).toArray()).toEqual([1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]);
  });
  it('reductions over several axes, with and without keepDims', () => {
    const t = Tensor.fromData(
      Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    expect(t.sum([0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(t.max([1], true).shape).toEqual([2, 1, 4]);
    expect(t.max([1], true).toArray()).toEqual([8, 9, 10, 11, 20, 21, 22, 23]);
  });
  it('batched matmul with broadcast batch dims and 1-D operands', () => {
    const a = Tensor.fromData([1, 2, 3, 4], [2, 2]);
    const batch = Tensor.fromData([1, 0, 0, 1, 2, 0, 0, 2], [2, 2, 2]);
    expect(batch.matmul(a).toArray()).toEqual([1, 2, 3, 4, 2, 4, 6, 8]);
    expect(a.matmul(Tensor.fromData([1, 1], [2])).toArray()).toEqual([3, 7]);
  });
  it('matmul equals the naive triple loop for any shape (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 6 }),
        (m, k, n) => {
          const av = Array.from({ length: m * k }, (_, i) => ((i * 7) % 11) - 5);
          const bv = Array.from({ length: k * n }, (_, i) => ((i * 5) % 13) - 6);
          const got = Tensor.fromData(av, [m, k], 'float64')
            .matmul(Tensor.fromData(bv, [k, n], 'float64'))
            .toArray();
          const want: number[] = [];
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let sum = 0;
              for (let p = 0; p < k; p++) sum += av[i * k + p]! * bv[p * n + j]!;
              want.push(sum);
            }
          expect(got).toEqual(want);
        },
      ),
    );
  });
  it('empty tensors flow through elementwise ops and sum', () => {
    const e = Tensor.zeros([0, 3]);
    expect(e.add(1).toArray()).toEqual([]);
    expect(e.sum(0).toArray()).toEqual([0, 0, 0]);
  });
});

describe('elementwise fusion', () => {
  // A fused loop must give bit-identical results to evaluating the same chain op by op.
  const ops: ((x: Tensor, y: Tensor) => Tensor)[] = [
    (x, y) => x.add(y),
    (x, y) => x.mul(y),
    (x, y) => x.sub(y.mul(0.3)),
    (x, y) => x.div(y.abs().add(1)),
    (x) => x.exp(),
    (x) => x.abs().sqrt(),
    (x, y) => Tensor.where(x.gt(y), x, y.neg()),
    (x, y) => x.maximum(y),
    (x) => x.mul(x).add(1).log(),
  ];
  it('matches op-by-op evaluation bit for bit (float32 and float64)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: false, min: -10, max: 10 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(ops.length - 1), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('float32' as const, 'float64' as const),
        (values, chain, dtype) => {
          const x = Tensor.fromData(values, [values.length], dtype);
          const y = Tensor.fromData(
            values.map((v) => v * 0.5 - 1),
            [values.length],
            dtype,
          );
          let fused = x;
          let stepwise = x;
          for (const k of chain) {
            fused = ops[k]!(fused, y);
            [stepwise] = materialize([ops[k]!(stepwise, y)]) as [Tensor];
          }
          expect(Array.from(fused.data())).toEqual(Array.from(stepwise.data()));
        },
      ),
    );
  });
});
