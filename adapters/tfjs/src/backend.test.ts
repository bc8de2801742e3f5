import {
  ALL_PRIMS,
  type ConvOptions,
  grad,
  primName,
  ReferenceBackend,
  Tensor,
  type TypedArray,
  topoSort,
} from '@reptile/core';
import { quarters } from '@reptile/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TfjsBackend } from './backend.ts';
import { sameBits, TEST_BACKENDS, useBackend } from './testing.ts';

/**
 * Every primitive on tfjs against the reference backend, which is the executable form of
 * docs/protocol.md. Exact ops must agree bit for bit (NaN and −0 included); transcendental
 * kernels within float32 rounding (tfjs' wasm uses float32 libm).
 */
const f32 = (data: number[], shape = [data.length]) => Tensor.fromData(data, shape, 'float32');
const f64 = (data: number[], shape = [data.length]) => Tensor.fromData(data, shape, 'float64');
const i32 = (data: number[], shape = [data.length]) => Tensor.fromData(data, shape, 'int32');
const bool = (data: number[]) => Tensor.fromData(data, [data.length], 'bool');
const nan = Number.NaN;
const inf = Number.POSITIVE_INFINITY;
const edge = [0, -0, 1, -1, 2.5, -2.5, 1e-30, 3e38, nan, inf, -inf];

interface Case {
  readonly name: string;
  readonly build: () => Tensor;
  /** relative tolerance; 0 = bit-identical */
  readonly rtol?: number;
  /** +0 and −0 count as equal (wasm's max/min may return either zero; docs/tfjs.md) */
  readonly anyZero?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'neg', build: () => f32(edge).neg() },
  { name: 'neg int32 wraps', build: () => i32([-2147483648, 5]).neg() },
  { name: 'exp', build: () => f32([0, 1, -1, 88, 89, -104, nan]).exp(), rtol: 2e-7 },
  { name: 'log', build: () => f32([0, -1, 1, 2, 1e-30, inf, nan]).log(), rtol: 2e-7 },
  { name: 'sqrt', build: () => f32([0, -0, -1, 2, 1e30, inf, nan]).sqrt() },
  { name: 'abs', build: () => f32(edge).abs() },
  { name: 'abs int32', build: () => i32([-2147483648, -3, 4]).abs() },
  { name: 'sign keeps ±0 and NaN', build: () => f32(edge).sign() },
  { name: 'sign int32', build: () => i32([-5, 0, 7]).sign() },
  { name: 'sin', build: () => f32([0, 1, -2, 100]).sin(), rtol: 1e-6 },
  { name: 'cos', build: () => f32([0, 1, -2, 100]).cos(), rtol: 1e-6 },
  { name: 'floor', build: () => f32([1.5, -1.5, -0, nan, inf]).floor() },
  { name: 'floor int32 is identity', build: () => i32([3, -3]).floor() },
  { name: 'ceil', build: () => f32([1.5, -1.5, 0.2, nan]).ceil() },
  { name: 'not', build: () => bool([0, 1]).logicalNot() },
  { name: 'add', build: () => f32(edge).add(f32(edge.map((_, i) => edge[edge.length - 1 - i]!))) },
  { name: 'add int32 wraps', build: () => i32([2147483647, -2147483648]).add(i32([1, -1])) },
  { name: 'sub', build: () => f32(edge).sub(1.5) },
  { name: 'mul', build: () => f32(edge).mul(f32(edge.map((v) => -v))) },
  {
    name: 'mul int32 wraps exactly',
    build: () =>
      i32([2147483647, -2147483647, 65536, 123456789]).mul(i32([2147483647, 65537, 65536, -987654321])),
  },
  { name: 'div float edge cases', build: () => f32([1, -1, 0, 1, 7]).div(f32([0, 0, 0, -0, 2])) },
  {
    name: 'div int32 truncates, x/0 = 0',
    build: () => i32([7, -7, 7, -7, 5, 0, -2147483648, 6]).div(i32([2, 2, -2, -2, 0, 0, -1, 3])),
  },
  {
    name: 'pow',
    build: () => f32([0, -8, 2, nan, 1, -1, 1, 3]).pow(f32([0, 1 / 3, -1, 0, nan, inf, inf, 2])),
  },
  { name: 'pow int32', build: () => i32([2, 3, -2, 2]).pow(i32([3, 2, 3, -1])) },
  { name: 'maximum propagates NaN', build: () => f32([1, nan, 2]).maximum(f32([nan, 1, 3])) },
  { name: 'maximum of ±0', build: () => f32([-0, 0]).maximum(f32([0, -0])), anyZero: true },
  { name: 'minimum propagates NaN', build: () => f32([1, nan, 2]).minimum(f32([nan, 1, 3])) },
  { name: 'maximum int32', build: () => i32([1, -5]).maximum(i32([0, 3])) },
  { name: 'and', build: () => bool([0, 0, 1, 1]).logicalAnd(bool([0, 1, 0, 1])) },
  { name: 'or', build: () => bool([0, 0, 1, 1]).logicalOr(bool([0, 1, 0, 1])) },
  { name: 'lt', build: () => f32([1, nan, 2]).lt(f32([2, 1, 2])) },
  { name: 'le', build: () => f32([1, nan, 2]).le(f32([2, 1, 2])) },
  { name: 'gt', build: () => f32([1, nan, 3]).gt(f32([0, 1, 2])) },
  { name: 'ge', build: () => f32([1, nan, 2]).ge(f32([1, 1, 3])) },
  { name: 'eq', build: () => f32([1, nan, -0]).eq(f32([1, nan, 0])) },
  { name: 'ne', build: () => f32([1, nan, 2]).ne(f32([1, nan, 3])) },
  { name: 'where', build: () => Tensor.where(bool([1, 0, 1]), f32([1, 2, 3]), f32([4, 5, 6])) },
  { name: 'where broadcasts a scalar', build: () => Tensor.where(bool([1, 0]), 7, f32([4, 5])) },
  { name: 'sum', build: () => f32([1, 2, 3, 4, 5, 6], [2, 3]).sum(1), rtol: 1e-7 },
  { name: 'sum keepDims', build: () => f32([1, 2, 3, 4, 5, 6], [2, 3]).sum(0, true) },
  { name: 'sum over an empty axis is 0', build: () => f32([], [0, 3]).sum(0) },
  { name: 'sum int32 wraps', build: () => i32([2147483647, 1]).sum() },
  { name: 'sum propagates NaN', build: () => f32([1, nan, 3]).sum() },
  { name: 'max propagates NaN', build: () => f32([1, nan, 3, 4], [2, 2]).max(1) },
  { name: 'min', build: () => f32([1, nan, 3, 4, -1, 2], [3, 2]).min(0) },
  { name: 'max int32', build: () => i32([1, 9, 3, 4], [2, 2]).max(0) },
  { name: 'argmax first maximum', build: () => f32([3, 1, 3, 0, 2, 2], [2, 3]).argMax(1) },
  { name: 'argmax NaN counts as the maximum', build: () => f32([1, inf, nan, nan, 0, 5], [2, 3]).argMax(1) },
  { name: 'argmax int32', build: () => i32([3, 1, 7, 7]).argMax() },
  { name: 'reshape', build: () => f32([1, 2, 3, 4, 5, 6], [2, 3]).reshape([3, 2]) },
  { name: 'transpose', build: () => f32([1, 2, 3, 4, 5, 6], [1, 2, 3]).transpose([2, 0, 1]) },
  { name: 'expand', build: () => f32([1, 2], [2, 1]).broadcastTo([2, 3]) },
  { name: 'expand bool', build: () => bool([1]).broadcastTo([3]) },
  { name: 'slice', build: () => f32([1, 2, 3, 4, 5, 6], [2, 3]).slice([1, 1], [2, 3]) },
  { name: 'concat', build: () => Tensor.concat([f32([1, 2], [1, 2]), f32([3, 4, 5, 6], [2, 2])], 0) },
  { name: 'concat int32', build: () => Tensor.concat([i32([1]), i32([2, 3])]) },
  {
    name: 'pad',
    build: () =>
      f32([1, 2, 3, 4], [2, 2]).pad(
        [
          [1, 0],
          [0, 2],
        ],
        -1,
      ),
  },
  { name: 'matmul', build: () => f32([1, 2, 3, 4, 5, 6], [2, 3]).matmul(f32([1, 0, -1, 2, 0.5, 1], [3, 2])) },
  {
    name: 'matmul batched rank 4',
    build: () =>
      f32(
        Array.from({ length: 16 }, (_, i) => i - 8),
        [2, 2, 2, 2],
      ).matmul(
        f32(
          Array.from({ length: 16 }, (_, i) => (i % 5) - 2),
          [2, 2, 2, 2],
        ),
      ),
  },
  { name: 'matmul int32', build: () => i32([1, 2, 3, 4], [2, 2]).matmul(i32([5, 6, 7, 8], [2, 2])) },
  {
    name: 'cast float → int32 saturates',
    build: () => f32([1.7, -1.7, nan, 3e9, -3e9, inf, -inf, -0]).cast('int32'),
  },
  { name: 'cast → bool is x ≠ 0', build: () => f32([0, -0, nan, 2, -inf]).cast('bool') },
  { name: 'cast int32 → bool', build: () => i32([0, 2, -1]).cast('bool') },
  { name: 'cast bool → float', build: () => bool([1, 0]).cast('float32') },
  { name: 'cast int32 → float', build: () => i32([16777217, -3]).cast('float32') },
  { name: 'cast float64 → float32', build: () => f64([0.1, 1e-50]).cast('float32') },
  // Convolution operands are small multiples of 1/4, so any summation order (tfjs sums float32
  // in its own order) gives the exact result and the geometry is checked bit for bit.
  ...convCases(),
  { name: 'constant output', build: () => f32([1, 2]) },
  { name: 'empty elementwise', build: () => f32([], [0]).add(1) },
];

function convCases(): Case[] {
  const x = () => quarters(2 * 4 * 6 * 5, [2, 4, 6, 5], 0);
  const geometries: [string, ConvOptions, number[]][] = [
    ['plain', {}, [3, 4, 3, 3]],
    [
      'same pads, stride 2',
      {
        strides: 2,
        pads: [
          [1, 1],
          [1, 1],
        ],
      },
      [3, 4, 3, 3],
    ],
    [
      'asymmetric pads, dilation',
      {
        dilations: [2, 1],
        pads: [
          [0, 2],
          [1, 0],
        ],
      },
      [2, 4, 2, 3],
    ],
    ['stride and dilation together', { strides: [2, 1], dilations: [1, 2] }, [2, 4, 2, 2]],
    [
      'two groups',
      {
        groups: 2,
        pads: [
          [1, 0],
          [0, 1],
        ],
      },
      [4, 2, 3, 2],
    ],
    ['depthwise, multiplier 2', { groups: 4, strides: [1, 2] }, [8, 1, 3, 3]],
  ];
  return [
    ...geometries.map(([name, options, wShape]) => ({
      name: `conv2d ${name}`,
      build: () =>
        x().conv2d(
          quarters(
            wShape.reduce((a, b) => a * b, 1),
            wShape,
            3,
          ),
          options,
        ),
    })),
    {
      name: 'conv2d gradients run on native convolutions',
      build: () => {
        const xs = x();
        const w = quarters(4 * 2 * 3 * 3, [4, 2, 3, 3], 5);
        const y = xs.conv2d(w, {
          strides: 2,
          dilations: [1, 2],
          pads: [
            [1, 1],
            [2, 0],
          ],
          groups: 2,
        });
        const [dx, dw] = grad(y.mul(quarters(y.size, [...y.shape], 1)).sum(), [xs, w]);
        return Tensor.concat([dx!.reshape([-1]), dw!.reshape([-1])]);
      },
    },
  ];
}

function valuesOf(t: Tensor, backend: { run: ReferenceBackend['run'] }): TypedArray {
  return backend.run([t.node])[0]!;
}

describe.each(TEST_BACKENDS)('TfjsBackend on %s', (name) => {
  beforeAll(() => useBackend(name));
  const tfjs = new TfjsBackend();
  const reference = new ReferenceBackend();

  it.each(CASES.map((c) => [c.name, c] as const))('%s matches the reference backend', (_, c) => {
    const t = c.build();
    const want = valuesOf(t, reference);
    const got = valuesOf(t, tfjs);
    expect(got.constructor).toBe(want.constructor);
    if (c.anyZero) {
      expect(Array.from(got).every((v, i) => v === want[i])).toBe(true); // === treats −0 as 0
    } else if (!c.rtol) {
      expect(sameBits(got, want), `${Array.from(got)} vs ${Array.from(want)}`).toBe(true);
    } else {
      want.forEach((w, i) => {
        const g = got[i]!;
        if (Number.isNaN(w) || !Number.isFinite(w)) expect(Object.is(g, w)).toBe(true);
        else expect(Math.abs(g - w)).toBeLessThanOrEqual(c.rtol! * Math.abs(w) + 1e-45);
      });
    }
  });

  it('covers every primitive of the protocol', () => {
    const seen = new Set(CASES.flatMap((c) => topoSort([c.build().node]).map((n) => primName(n.op))));
    expect(ALL_PRIMS.filter((p) => !seen.has(p) && p !== 'input')).toEqual([]);
  });

  it('runs traced graphs with placeholders bound to host data', () => {
    const x = Tensor.placeholder('x', [3], 'float32');
    const y = x.mul(2).add(1);
    const [out] = tfjs.run([y.node], new Map([[x.node, Float32Array.of(1, 2, 3)]]));
    expect(Array.from(out!)).toEqual([3, 5, 7]);
    expect(() => tfjs.run([y.node])).toThrow(/input 'x' was not given a value/);
  });

  it('computes float64 scalar hyper-parameter chains on the host in float64', () => {
    // 1 − 0.999^1 in float64, then cast: what torch's Python-float bias correction gives.
    const bc = Tensor.scalar(1, 'float64').sub(
      Tensor.scalar(0.999, 'float64').pow(Tensor.scalar(1, 'float64')),
    );
    const g = f32([1, 2]).div(bc.cast('float32'));
    const want = [1, 2].map((v) => Math.fround(v / Math.fround(1 - 0.999)));
    expect(Array.from(valuesOf(g, tfjs))).toEqual(want);
  });

  it('leaves no tfjs tensors behind', () => {
    const before = tf.memory().numTensors;
    for (const c of CASES) valuesOf(c.build(), tfjs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fused elementwise chains agree with the reference bit for bit (property)', () => {
    const ops = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
    fc.assert(
      fc.property(
        fc.array(fc.float({ noDefaultInfinity: false }), { minLength: 4, maxLength: 4 }),
        fc.array(fc.float(), { minLength: 4, maxLength: 4 }),
        fc.array(fc.constantFrom(...ops), { minLength: 1, maxLength: 5 }),
        (a, b, chain) => {
          const x = f32(a, [2, 2]);
          const y = f32(b, [2, 2]);
          let t = x;
          for (const op of chain) t = t[op](op === 'div' ? y : y.sqrt().add(0.5));
          return sameBits(valuesOf(t, tfjs), valuesOf(t, reference));
        },
      ),
      { numRuns: 60 },
    );
  });
});
