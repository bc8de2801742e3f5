import { Tensor } from '@reptile/core';
import {
  BOOLS,
  grid,
  INT_MAX,
  INT_MIN,
  INTS,
  MODERATE,
  type OpCase,
  type OpCaseTable,
  rot,
  SPECIAL,
  vec,
} from './op-case-values.ts';

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

/** Leaves, elementwise primitives and casts. */
export const ELEMENTWISE_CASES = {
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
} satisfies OpCaseTable;
