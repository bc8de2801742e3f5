import { type DType, grad, type PrimName, Tensor } from '@reptile/core';

/**
 * Op-by-op cases, keyed by primitive so a primitive added to the IR without a case here is a
 * type error. Inputs lean on the edge cases of docs/protocol.md: signed zeros, ±∞, NaN, int32
 * extremes, empty tensors. `ulps` > 0 only where onnxruntime's float32 transcendental kernels
 * legitimately differ in the last bits from the reference's rounded float64 results.
 */
export interface OpCase {
  readonly name: string;
  readonly build: () => Tensor[];
  readonly ulps?: number;
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, 3.75, 100, -100, 1e-30, 1e30, Infinity, -Infinity, Number.NaN];
const MODERATE = [0, -0, 0.1, -0.7, 1, -1, 2.5, -3.25, 10, -20, 50, 88, -87, 0.001];
const INTS = [0, 1, -1, 7, -7, 5, -3, 65536, INT_MAX, INT_MIN];
const BOOLS = [0, 1, 1, 0, 1, 0, 0, 1];

const vec = (data: readonly number[], dtype: DType = 'float32') =>
  Tensor.fromData([...data], [data.length], dtype);
/** The same values shifted, so binary cases pair different elements. */
const rot = (data: readonly number[], k: number) => data.map((_, i) => data[(i + k) % data.length]!);
const grid = (n: number, dtype: DType = 'float32', scale = 1) =>
  Tensor.fromData(
    Array.from({ length: n }, (_, i) => ((i * 7) % 11) * scale - 5 * scale),
    [n],
    dtype,
  );

const floats = (fn: (x: Tensor) => Tensor, values = SPECIAL): OpCase[] => [
  { name: 'float32', build: () => [fn(vec(values, 'float32'))] },
  { name: 'float64', build: () => [fn(vec(values, 'float64'))] },
];

const unaryNumeric = (fn: (x: Tensor) => Tensor): OpCase[] => [
  ...floats(fn),
  { name: 'int32', build: () => [fn(vec(INTS, 'int32'))] },
];

const transcendental = (fn: (x: Tensor) => Tensor, values: readonly number[]): OpCase[] => [
  { name: 'float32', build: () => [fn(vec(values, 'float32'))], ulps: 2 },
  // onnxruntime's double sin/cos are a few ulps off the correctly rounded value (1e-15 relative)
  { name: 'float64', build: () => [fn(vec(values, 'float64'))], ulps: 16 },
  { name: 'float32 specials', build: () => [fn(vec([0, -0, Infinity, -Infinity, Number.NaN], 'float32'))] },
];

const binaryNumeric = (fn: (a: Tensor, b: Tensor) => Tensor, ints = INTS): OpCase[] => [
  { name: 'float32', build: () => [fn(vec(SPECIAL), vec(rot(SPECIAL, 3)))] },
  { name: 'float64', build: () => [fn(vec(SPECIAL, 'float64'), vec(rot(SPECIAL, 5), 'float64'))] },
  { name: 'int32', build: () => [fn(vec(ints, 'int32'), vec(rot(ints, 3), 'int32'))] },
  { name: 'broadcast row', build: () => [fn(grid(6).reshape([2, 3]), vec([1, -2, 0.5]))] },
];

const compare = (fn: (a: Tensor, b: Tensor) => Tensor): OpCase[] => [
  ...binaryNumeric(fn),
  {
    name: 'NaN against itself',
    build: () => [fn(vec([Number.NaN, 1, -0]), vec([Number.NaN, Number.NaN, 0]))],
  },
  { name: 'bool', build: () => [fn(vec(BOOLS, 'bool'), vec(rot(BOOLS, 1), 'bool'))] },
];

const cube = (dtype: DType = 'float32') =>
  Tensor.fromData(
    Array.from({ length: 24 }, (_, i) => ((i * 5) % 7) - 3 + (dtype === 'int32' ? 0 : 0.25)),
    [2, 3, 4],
    dtype,
  );

const withNaN = () =>
  Tensor.fromData([1, 5, Number.NaN, 2, -1, 7, 3, 3, -Infinity, 9, Number.NaN, 0], [3, 4]);

const reduction = (fn: 'sum' | 'max' | 'min'): OpCase[] => [
  { name: 'all axes', build: () => [cube()[fn]()] },
  { name: 'axes [0,2]', build: () => [cube()[fn]([0, 2])] },
  { name: 'axis 1 keepDims', build: () => [cube('float64')[fn](1, true)] },
  { name: 'int32', build: () => [cube('int32')[fn]([1])] },
  { name: 'NaN propagates', build: () => [withNaN()[fn](1), withNaN()[fn](0)] },
];

export const OP_CASES: Readonly<Record<PrimName, readonly OpCase[]>> = {
  constant: [
    { name: 'float32 output', build: () => [vec([1.5, -0, Number.NaN])] },
    {
      name: 'every dtype',
      build: () => [vec([1, 2], 'float64').add(1), vec(INTS, 'int32').neg(), vec(BOOLS, 'bool').logicalNot()],
    },
    { name: 'scalar', build: () => [Tensor.scalar(3.25).mul(2)] },
  ],
  input: [], // placeholders: covered by the traced-graph tests in backend.test.ts
  neg: unaryNumeric((x) => x.neg()),
  exp: transcendental((x) => x.exp(), [...MODERATE, -104, 89, 709, 710]),
  log: transcendental((x) => x.log(), [1e-30, 0.001, 0.5, 1, 2, 10, 1e30, -1, -0.5]),
  sqrt: floats((x) => x.sqrt()),
  abs: unaryNumeric((x) => x.abs()),
  sign: [
    ...unaryNumeric((x) => x.sign()),
    {
      name: 'subnormals reach ±1',
      build: () => [
        vec([1.401298464324817e-45, -1.401298464324817e-45]).sign(),
        vec([5e-324, -5e-324], 'float64').sign(),
      ],
    },
  ],
  sin: transcendental((x) => x.sin(), MODERATE),
  cos: transcendental((x) => x.cos(), MODERATE),
  floor: unaryNumeric((x) => x.floor()),
  ceil: unaryNumeric((x) => x.ceil()),
  not: [{ name: 'bool', build: () => [vec(BOOLS, 'bool').logicalNot()] }],
  add: binaryNumeric((a, b) => a.add(b)),
  sub: binaryNumeric((a, b) => a.sub(b)),
  mul: binaryNumeric((a, b) => a.mul(b)),
  div: [
    ...binaryNumeric((a, b) => a.div(b)),
    {
      name: 'int32 by 0, -1 and INT_MIN',
      build: () => [
        vec([7, -7, 7, INT_MIN, INT_MIN, 5, 0, INT_MAX], 'int32').div(
          vec([2, 2, -2, -1, 0, 0, 0, INT_MIN], 'int32'),
        ),
      ],
    },
    {
      name: 'int32 by divisors without 0 or -1',
      build: () => [
        vec([7, -7, 7, INT_MIN, INT_MAX, 0], 'int32').div(vec([2, 2, -2, INT_MIN, 3, 5], 'int32')),
      ],
    },
  ],
  pow: [
    {
      name: 'float32 C vs JS corners',
      build: () => [
        vec([1, -1, 1, -1, 2, 0, -0, -8, Number.NaN, 4, 10]).pow(
          vec([Number.NaN, Infinity, -Infinity, -Infinity, 0.5, -1, -1, 1 / 3, 0, -0.5, 3]),
        ),
      ],
      ulps: 1,
    },
    {
      name: 'float64',
      build: () => [
        vec([2, 3, 0.5, 1, -1], 'float64').pow(vec([10, -2, 3, Number.NaN, Infinity], 'float64')),
      ],
      ulps: 1,
    },
    {
      // Embedded, a base without ±1 or a finite exponent lets the lowering skip the C-vs-JS patch.
      name: 'float32 bases without ±1, finite exponents',
      build: () => [
        vec([0.9, 2, 0.5, -3, 0, Number.NaN]).pow(vec([Number.NaN, Infinity, -Infinity, 2, -1, 1])),
        vec([1, -1, 1, -1, Number.NaN]).pow(vec([2, 3, 0.5, -2, 0])),
      ],
      ulps: 1,
    },
    {
      name: 'int32 wraps like Math.pow | 0',
      build: () => [vec([2, 3, 2, -2, 1, -1, 5], 'int32').pow(vec([3, 40, -1, 31, -5, -3, 0], 'int32'))],
    },
  ],
  // No ±0 ties here: onnxruntime returns the second operand, Math.max/min order the zeros (docs/onnx.md).
  maximum: binaryNumeric((a, b) => a.maximum(b)).concat([
    {
      name: 'NaN either side',
      build: () => [vec([Number.NaN, 1, -Infinity, 2]).maximum(vec([1, Number.NaN, 3, -0.5]))],
    },
  ]),
  minimum: binaryNumeric((a, b) => a.minimum(b)).concat([
    {
      name: 'NaN either side',
      build: () => [
        vec([Number.NaN, 1, Infinity, 2], 'float64').minimum(vec([1, Number.NaN, 3, -0.5], 'float64')),
      ],
    },
  ]),
  and: [{ name: 'bool', build: () => [vec(BOOLS, 'bool').logicalAnd(vec(rot(BOOLS, 1), 'bool'))] }],
  or: [{ name: 'bool', build: () => [vec(BOOLS, 'bool').logicalOr(vec(rot(BOOLS, 1), 'bool'))] }],
  lt: compare((a, b) => a.lt(b)),
  le: compare((a, b) => a.le(b)),
  gt: compare((a, b) => a.gt(b)),
  ge: compare((a, b) => a.ge(b)),
  eq: compare((a, b) => a.eq(b)),
  ne: compare((a, b) => a.ne(b)),
  where: [
    {
      name: 'float32',
      build: () => [Tensor.where(vec(BOOLS, 'bool'), grid(8), vec([Number.NaN, -0, 1, 2, 3, 4, 5, 6]))],
    },
    {
      name: 'signed zeros and NaN from both branches',
      build: () => [
        Tensor.where(
          vec([1, 1, 0, 0, 1, 0], 'bool'),
          vec([-0, 0, 1, 1, Number.NaN, 1]),
          vec([1, 1, -0, 0, 1, Number.NaN]),
        ),
        Tensor.where(vec([1, 0], 'bool'), vec([-0, 2], 'float64'), vec([3, -0], 'float64')),
        // negative subnormals: 1/a overflows to −∞ but a is not −0
        Tensor.where(vec([1, 1], 'bool'), vec([-1.401298464324817e-45, -1e-40]), vec([0, 0])),
        Tensor.where(vec([1], 'bool'), vec([-5e-324], 'float64'), vec([0], 'float64')),
      ],
    },
    {
      // Embedded (not fed), a constant branch without −0 lets the lowering skip the signed-zero
      // patch (then-branch) or swap the branches (else-branch); the other branch keeps its −0s.
      name: 'one constant branch without −0',
      build: () => [
        Tensor.where(
          vec([1, 0, 0, 1, 0, 1], 'bool'),
          vec([1, 2, 0, 3, Number.NaN, 0]),
          vec([-0, -0, 0, 5, -0, -0]),
        ),
        Tensor.where(
          vec([1, 1, 0, 0, 1, 0], 'bool'),
          vec([-0, 0, -0, 1, Number.NaN, -0]),
          vec([0, 1, 2, 3, 4, 0]),
        ),
        Tensor.where(vec([0, 1], 'bool'), vec([-0, -0], 'float64'), vec([0, 1], 'float64')),
      ],
    },
    { name: 'int32', build: () => [Tensor.where(vec(BOOLS, 'bool'), grid(8, 'int32'), 9)] },
    {
      name: 'bool',
      build: () => [Tensor.where(vec(BOOLS, 'bool'), vec(rot(BOOLS, 1), 'bool'), vec(rot(BOOLS, 2), 'bool'))],
    },
  ],
  sum: [
    ...reduction('sum'),
    {
      name: 'int32 wraps',
      build: () => [
        vec([INT_MAX, 1, INT_MAX, INT_MAX], 'int32').sum(),
        vec([INT_MAX, INT_MAX, 1], 'int32').sum(),
      ],
    },
    {
      // the reference accumulates from +0, onnxruntime's ReduceSum would keep the −0
      name: 'a sum of −0s is +0',
      build: () => [
        vec([-0, -0, -0]).sum(),
        Tensor.fromData([-0, -0, -0, 1, -0, -1], [2, 3], 'float64').sum(1),
        vec([-0, 0, -0]).sum(0, true),
      ],
    },
    {
      name: 'empty axis gives 0',
      build: () => [Tensor.zeros([0, 3]).sum(0), Tensor.zeros([2, 0], 'int32').sum(1)],
    },
    {
      name: 'float32 accumulates in float64',
      build: () => [Tensor.full([1000], 0.1).sum(), Tensor.fromData([1e8, 1, -1e8, 1], [4]).sum()],
    },
  ],
  max: reduction('max'),
  min: reduction('min'),
  argmax: [
    {
      name: 'first maximum',
      build: () => [vec([1, 3, 3, 2]).argMax(), cube().argMax(1), cube('int32').argMax(2)],
    },
    {
      name: 'NaN is the maximum, first wins',
      build: () => [withNaN().argMax(1), withNaN().argMax(0), vec([5, Number.NaN, 1, Number.NaN]).argMax()],
    },
    { name: 'all −∞', build: () => [vec([-Infinity, -Infinity]).argMax()] },
  ],
  reshape: [
    { name: 'float32', build: () => [cube().reshape([4, 6]), cube().reshape([24])] },
    { name: 'empty with zero dims', build: () => [Tensor.zeros([0, 3]).reshape([3, 0]).add(1)] },
    { name: 'bool', build: () => [vec(BOOLS, 'bool').reshape([2, 4])] },
  ],
  transpose: [
    { name: '3-D perm', build: () => [cube().transpose([2, 0, 1]), cube('int32').transpose()] },
    { name: 'bool', build: () => [vec(BOOLS, 'bool').reshape([2, 4]).transpose()] },
  ],
  expand: [
    { name: 'size-1 dims', build: () => [vec([1, 2, 3]).reshape([3, 1]).broadcastTo([2, 3, 4])] },
    {
      name: 'scalar, int32 and bool',
      build: () => [Tensor.full([2, 2], 7, 'int32'), Tensor.full([3], 1, 'bool')],
    },
    { name: 'to an empty shape', build: () => [vec([1, 2]).reshape([2, 1]).broadcastTo([2, 0])] },
  ],
  slice: [
    {
      name: 'interior',
      build: () => [cube().slice([1, 0, 1], [2, 2, 4]), cube('int32').slice([0, 1], [1, 3])],
    },
    { name: 'empty', build: () => [cube().slice([0, 1, 0], [2, 1, 4])] },
  ],
  concat: [
    { name: 'axis 1', build: () => [Tensor.concat([cube(), cube().mul(2)], 1)] },
    {
      name: 'with an empty part',
      build: () => [Tensor.concat([vec([1, 2], 'int32'), vec([], 'int32'), vec([3], 'int32')], 0)],
    },
    { name: 'bool', build: () => [Tensor.concat([vec(BOOLS, 'bool'), vec([1, 0], 'bool')], 0)] },
  ],
  pad: [
    {
      name: 'float value',
      build: () => [
        cube().pad(
          [
            [0, 1],
            [2, 0],
            [1, 1],
          ],
          -1.5,
        ),
      ],
    },
    {
      name: 'int32 and bool',
      build: () => [vec(INTS, 'int32').pad([[1, 2]], 9), vec(BOOLS, 'bool').pad([[2, 1]], 1)],
    },
    {
      name: 'empty input',
      build: () => [Tensor.zeros([0]).pad([[1, 1]], Number.NaN), vec([], 'int32').pad([[0, 2]], 3)],
    },
  ],
  matmul: [
    {
      name: 'float32 2-D',
      build: () => [
        grid(6, 'float32', 0.1)
          .reshape([2, 3])
          .matmul(grid(12).reshape([3, 4])),
      ],
    },
    { name: 'batched float64', build: () => [cube('float64').matmul(cube('float64').transpose([0, 2, 1]))] },
    {
      name: 'int32 wraps',
      build: () => [
        vec([65536, 65536], 'int32')
          .reshape([1, 2])
          .matmul(vec([65536, 1], 'int32').reshape([2, 1])),
      ],
    },
    { name: 'empty inner dim gives zeros', build: () => [Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3]))] },
  ],
  // Frontends convolve with their own kernels, summing in their own order (and float32 in
  // float32): operands are small multiples of 1/4, so every order gives the exact result and
  // the comparison checks the geometry bit for bit.
  conv2d: [
    {
      name: 'float32 3x3, same pads',
      build: () => [
        grid(2 * 3 * 5 * 5, 'float32', 0.25)
          .reshape([2, 3, 5, 5])
          .conv2d(grid(4 * 3 * 9, 'float32', 0.25).reshape([4, 3, 3, 3]), {
            pads: [
              [1, 1],
              [1, 1],
            ],
          }),
      ],
    },
    {
      name: 'float64 strides, dilations, asymmetric pads, groups',
      build: () => [
        grid(1 * 4 * 7 * 6, 'float64', 0.5)
          .reshape([1, 4, 7, 6])
          .conv2d(grid(6 * 2 * 3 * 2, 'float64', 0.25).reshape([6, 2, 3, 2]), {
            strides: [2, 1],
            dilations: [1, 2],
            pads: [
              [2, 0],
              [0, 1],
            ],
            groups: 2,
          }),
      ],
    },
    {
      name: 'gradients (transposed and weight convolutions)',
      build: () => {
        const x = grid(2 * 2 * 6 * 6, 'float32', 0.5).reshape([2, 2, 6, 6]);
        const w = grid(4 * 1 * 3 * 3, 'float32', 0.25).reshape([4, 1, 3, 3]);
        const y = x.conv2d(w, {
          strides: 2,
          pads: [
            [1, 0],
            [1, 1],
          ],
          groups: 2,
        });
        return grad(y.mul(grid(y.size, 'float32', 0.25).reshape(y.shape)).sum(), [x, w]);
      },
    },
    {
      name: 'NaN and Inf propagate',
      build: () => [
        vec([Number.NaN, 1, Number.POSITIVE_INFINITY, 2, 3, -1], 'float32')
          .reshape([1, 1, 2, 3])
          .conv2d(vec([0, 1], 'float32').reshape([1, 1, 1, 2])),
      ],
    },
  ],
  cast: [
    {
      name: 'float → int32 saturates, NaN → 0',
      build: () => [vec([2.7, -2.7, 1e10, -1e10, Number.NaN, 2147483520, -0.5]).cast('int32')],
    },
    {
      name: 'float64 → int32 at the edges',
      build: () => [
        vec([2147483647.9, 2147483648, -2147483648.5, -2147483649, Infinity], 'float64').cast('int32'),
      ],
    },
    {
      name: '→ bool (NaN true, −0 false)',
      build: () => [vec(SPECIAL).cast('bool'), vec(INTS, 'int32').cast('bool')],
    },
    {
      name: 'bool → numbers',
      build: () => [vec(BOOLS, 'bool').cast('float32'), vec(BOOLS, 'bool').cast('int32')],
    },
    {
      name: 'rounding to float32',
      build: () => [
        vec([0.1, 1e300, -1e-300], 'float64').cast('float32'),
        vec([16777217, INT_MAX], 'int32').cast('float32'),
      ],
    },
    { name: 'widening', build: () => [vec(SPECIAL).cast('float64'), vec(INTS, 'int32').cast('float64')] },
  ],
};
