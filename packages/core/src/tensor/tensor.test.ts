import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReptileError } from '../errors.ts';
import { ops, Tensor } from '../index.ts';
import { broadcastShapes } from '../shape.ts';

describe('broadcasting', () => {
  it('follows NumPy rules', () => {
    expect(broadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes([], [5])).toEqual([5]);
    expect(() => broadcastShapes([2, 3], [4, 3])).toThrow(/do not broadcast \(axis 0: 2 vs 4\)/);
  });
  it('matches a naive elementwise loop (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        (r, c, k) => {
          const a = Tensor.fromData(
            Array.from({ length: r * k }, (_, i) => i),
            [r, 1, k],
          );
          const b = Tensor.fromData(
            Array.from({ length: c * k }, (_, i) => 100 * i),
            [c, k],
          );
          const got = a.add(b).toArray();
          const want: number[] = [];
          for (let i = 0; i < r; i++)
            for (let j = 0; j < c; j++) for (let l = 0; l < k; l++) want.push(i * k + l + 100 * (j * k + l));
          expect(got).toEqual(want);
        },
      ),
    );
  });
  it('numbers take the tensor dtype; mixed tensor dtypes are refused with a fix', () => {
    expect(Tensor.fromData([1, 2], [2], 'int32').mul(3).dtype).toBe('int32');
    const err = (() => {
      try {
        Tensor.fromData([1], [1], 'float32').add(Tensor.fromData([1], [1], 'float64'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ReptileError);
    expect(String(err)).toMatch(/dtype mismatch.*cast one operand/);
  });
});

describe('construction and shape errors', () => {
  it('refuses data that does not fill the shape', () => {
    expect(() => Tensor.fromData([1, 2, 3], [2, 2])).toThrow(/3 values do not fill shape \[2,2\]/);
  });
  it('reshape infers one -1 and refuses impossible shapes', () => {
    expect(Tensor.zeros([2, 6]).reshape([3, -1]).shape).toEqual([3, 4]);
    expect(() => Tensor.zeros([2, 6]).reshape([5, -1])).toThrow(/cannot reshape/);
  });
  it('matmul names both shapes when inner dims differ', () => {
    expect(() => Tensor.zeros([2, 3]).matmul(Tensor.zeros([2, 3]))).toThrow(
      /inner dims differ: \[2,3\] x \[2,3\]/,
    );
  });
  it('axes out of range are refused', () => {
    expect(() => Tensor.zeros([2, 3]).sum(2)).toThrow(/axis 2 is out of range for rank 2/);
  });
});

describe('composite ops', () => {
  it('insertZeros puts stride − 1 zeros between neighbours along one axis', () => {
    const x = Tensor.fromData([1, 2, 3, 4, 5, 6], [2, 3], 'float64');
    expect(ops.insertZeros(x, 1, 3).toArray()).toEqual([1, 0, 0, 2, 0, 0, 3, 4, 0, 0, 5, 0, 0, 6]);
    expect(ops.insertZeros(x, 0, 2).shape).toEqual([3, 3]);
    expect(ops.insertZeros(x, -1, 1)).toBe(x);
    expect(ops.insertZeros(Tensor.zeros([0, 2]), 0, 4).shape).toEqual([0, 2]);
    expect(() => ops.insertZeros(x, 1, 0)).toThrow(/stride must be a positive integer, got 0/);
    expect(() => ops.insertZeros(x, 2, 2)).toThrow(/axis/);
  });
  it('softmax rows sum to 1 and are stable for large logits', () => {
    const x = Tensor.fromData([1000, 1001, 1002, -1000, 0, 1000], [2, 3]);
    const s = ops.softmax(x).toArray();
    expect(s.every(Number.isFinite)).toBe(true);
    expect(s[0]! + s[1]! + s[2]!).toBeCloseTo(1, 6);
    expect(s[5]).toBeCloseTo(1, 6);
  });
  it('logSumExp equals log(Σe^x) and handles −∞ rows', () => {
    const x = Tensor.fromData([1, 2, 3], [3], 'float64');
    expect(ops.logSumExp(x).item()).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 12);
    expect(ops.logSumExp(Tensor.fromData([-Infinity, -Infinity], [2])).item()).toBe(-Infinity);
  });
  it('softplus and sigmoid stay finite and accurate at the extremes', () => {
    const x = Tensor.fromData([-1000, 0, 1000], [3], 'float64');
    expect(ops.softplus(x).toArray()).toEqual([0, Math.log(2), 1000]);
    expect(ops.sigmoid(x).toArray()).toEqual([0, 0.5, 1]);
  });
  it('oneHot, clip, norm, variance', () => {
    expect(ops.oneHot(Tensor.fromData([2, 0], [2], 'int32'), 3).toArray()).toEqual([0, 0, 1, 1, 0, 0]);
    expect(ops.clip(Tensor.fromData([-2, 0.5, 9], [3]), -1, 1).toArray()).toEqual([-1, 0.5, 1]);
    expect(ops.norm(Tensor.fromData([3, 4], [2])).item()).toBe(5);
    expect(ops.variance(Tensor.fromData([1, 2, 3, 4], [4], 'float64')).item()).toBe(1.25);
  });
});
