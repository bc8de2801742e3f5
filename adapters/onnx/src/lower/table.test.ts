import { ALL_PRIMS, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { OnnxBackend } from '../runtime/backend.ts';
import { expectSame, reference, runEmbedded, runOn } from '../testing/compare.ts';
import { OP_CASES } from '../testing/op-cases.ts';
import { LOWERINGS } from './table.ts';

/**
 * Every primitive, lowered and run on onnxruntime, against the reference backend (the executable
 * spec of docs/protocol.md). Each case runs twice: with its leaves fed as graph inputs (how the
 * backend runs) and embedded as initializers (how exported files hold constants).
 */
const onnx = new OnnxBackend();

describe('lowering table', () => {
  it('has a lowering for every primitive and nothing else', () => {
    expect(Object.keys(LOWERINGS).sort()).toEqual([...ALL_PRIMS].sort());
  });
  it('has op cases for every primitive except placeholders (covered by traced graphs)', () => {
    for (const prim of ALL_PRIMS)
      if (prim !== 'input') expect(OP_CASES[prim].length, prim).toBeGreaterThan(0);
  });
});

for (const prim of ALL_PRIMS) {
  const cases = OP_CASES[prim];
  if (cases.length === 0) continue;
  describe(`${prim}`, () => {
    for (const c of cases) {
      it(`${c.name}: fed inputs match the reference`, () => {
        const want = runOn(c.build, reference);
        const got = runOn(c.build, onnx);
        got.forEach((g, i) => {
          expectSame(g, want[i]!, `${prim} ${c.name} #${i}`, c.ulps);
        });
      });
      it(`${c.name}: embedded constants match the reference`, () => {
        const want = runOn(c.build, reference);
        const got = runEmbedded(c.build);
        got.forEach((g, i) => {
          expectSame(g, want[i]!, `${prim} ${c.name} #${i}`, c.ulps);
        });
      });
    }
  });
}

describe('protocol edge cases, by hand', () => {
  const f32 = (d: number[]) => Tensor.fromData(d, [d.length]);
  const i32 = (d: number[]) => Tensor.fromData(d, [d.length], 'int32');
  const on = (t: Tensor) => Array.from(runOn(() => [t], onnx)[0]!);
  it('int32 division truncates toward zero and x/0 = 0', () => {
    expect(on(i32([7, -7, 7, 5]).div(i32([2, 2, -2, 0])))).toEqual([3, -3, -3, 0]);
  });
  it('fed constants are not trusted: a graph reused with new values still patches them', () => {
    // the backend feeds every leaf and reuses one graph per signature, so the fix-ups a constant
    // operand would rule out must stay when that constant is fed
    expect(on(i32([7, 9]).div(i32([5, 3])))).toEqual([1, 3]);
    expect(on(i32([7, 9]).div(i32([0, -1])))).toEqual([0, -9]);
    const neg0 = (a: number[], b: number[]) =>
      on(Tensor.where(Tensor.fromData([1, 0], [2], 'bool'), f32(a), f32(b))).map((v) => Object.is(v, -0));
    expect(neg0([1, 2], [3, 4])).toEqual([false, false]);
    expect(neg0([-0, 2], [3, -0])).toEqual([true, true]);
  });
  it('int32 arithmetic and sum wrap modulo 2^32', () => {
    expect(on(i32([2147483647]).add(1))).toEqual([-2147483648]);
    expect(on(i32([65536]).mul(65536))).toEqual([0]);
    expect(on(i32([2147483647, 1]).sum())).toEqual([-2147483648]);
  });
  it('cast float → int32 truncates, saturates, NaN → 0', () => {
    expect(on(Tensor.fromData([2.7, -2.7, 1e10, -1e10, NaN], [5], 'float64').cast('int32'))).toEqual([
      2, -2, 2147483647, -2147483648, 0,
    ]);
  });
  it('NaN propagates through maximum and the max/min/sum reductions', () => {
    expect(on(f32([NaN, 1]).maximum(f32([1, NaN])))).toEqual([NaN, NaN]);
    expect(on(f32([1, NaN, 3]).max())).toEqual([NaN]);
    expect(on(f32([3, NaN, 1]).min())).toEqual([NaN]);
    expect(on(f32([1, NaN, 3]).sum())).toEqual([NaN]);
  });
  it('argmax: first maximum; NaN counts as the maximum', () => {
    expect(on(f32([1, 3, 3, 2]).argMax())).toEqual([1]);
    expect(on(f32([5, NaN, 1]).argMax())).toEqual([1]);
  });
  it('pow follows Math.pow where C differs: pow(1, NaN) and pow(−1, ∞) are NaN', () => {
    expect(on(f32([1, -1, 2]).pow(f32([NaN, Infinity, 3])))).toEqual([NaN, NaN, 8]);
  });
  it('log(0) = −∞, log(−1) = NaN, 1/−0 = −∞, 0/0 = NaN', () => {
    expect(on(f32([0, -1]).log())).toEqual([-Infinity, NaN]);
    expect(on(f32([1, 0]).div(f32([-0, 0])))).toEqual([-Infinity, NaN]);
  });
  it('sign keeps −0 and NaN', () => {
    const s = runOn(() => [f32([-0, NaN, -3]).sign()], onnx)[0]!;
    expect(Object.is(s[0], -0)).toBe(true);
    expect(Array.from(s.slice(1))).toEqual([NaN, -1]);
  });
});
