import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_PRIMS,
  type DType,
  type Graph,
  grad,
  type PrimName,
  primName,
  Tensor as T,
  type Tensor,
  type TypedArray,
  topoSort,
  trace,
} from '../core.ts';
import { difference, runOnReference, runOnTorch, testWorker } from '../testing/harness.ts';
import { PRIM_LOWERINGS } from './prims.ts';

/**
 * Every primitive's edge cases (docs/protocol.md), run through TorchScript and compared with
 * hand-computed values and with the reference backend. All cases go into ONE graph, so the file
 * costs one torch.jit.load.
 */
interface Case {
  readonly name: string;
  readonly inputs: readonly { data: readonly number[]; shape: readonly number[]; dtype: DType }[];
  readonly fn: (...xs: Tensor[]) => Tensor;
  /** Hand-computed result (closed forms, protocol rules). */
  readonly expected?: readonly number[];
  /** With float32Math 'native', torch's float32 kernels may differ by one ulp (exact mode: none). */
  readonly ulps?: number;
  /** maximum/minimum of +0 and -0 may return either zero. */
  readonly signedZero?: boolean;
}

const INF = Number.POSITIVE_INFINITY;
const MIN = -2147483648;
const MAX = 2147483647;
const f32 = (data: readonly number[], shape = [data.length]) => ({ data, shape, dtype: 'float32' as DType });
const f64 = (data: readonly number[], shape = [data.length]) => ({ data, shape, dtype: 'float64' as DType });
const i32 = (data: readonly number[], shape = [data.length]) => ({ data, shape, dtype: 'int32' as DType });
const b = (data: readonly number[], shape = [data.length]) => ({ data, shape, dtype: 'bool' as DType });
const fr = Math.fround;

const F = [0, -0, 1, -1, 2.5, -3.75, fr(1e-30), fr(1e30), INF, -INF, Number.NaN, fr(0.1)];
const G = [-0, 0, 3, -1, Number.NaN, 2, INF, fr(1e-30), INF, 2, 1, fr(-0.5)];
const MODERATE = [0, -0.5, 1, -2, 3.25, 10, -20, fr(0.1)];

const CASES: Case[] = [
  { name: 'neg f32', inputs: [f32(F)], fn: (x) => x.neg(), expected: F.map((v) => -v) },
  {
    name: 'neg i32 wraps',
    inputs: [i32([MIN, MAX, 0, -5])],
    fn: (x) => x.neg(),
    expected: [MIN, -MAX, 0, 5],
  },
  {
    name: 'exp f32',
    inputs: [f32([...MODERATE, 100, -200, INF, -INF, Number.NaN])],
    fn: (x) => x.exp(),
    expected: [...MODERATE, 100, -200, INF, -INF, Number.NaN].map((v) => fr(Math.exp(v))),
    ulps: 1,
  },
  {
    name: 'log f64: log 0 = -inf, log(<0) = NaN',
    inputs: [f64([0, -0, 1, Math.E, -1, INF, Number.NaN])],
    fn: (x) => x.log(),
    expected: [-INF, -INF, 0, 1, Number.NaN, INF, Number.NaN],
  },
  { name: 'log f32', inputs: [f32(F)], fn: (x) => x.log(), expected: F.map((v) => fr(Math.log(v))), ulps: 1 },
  {
    name: 'sqrt f32',
    inputs: [f32(F)],
    fn: (x) => x.sqrt(),
    expected: F.map((v) => fr(Math.sqrt(v))),
    ulps: 1,
  },
  {
    name: 'sin f32',
    inputs: [f32(MODERATE)],
    fn: (x) => x.sin(),
    expected: MODERATE.map((v) => fr(Math.sin(v))),
    ulps: 1,
  },
  { name: 'cos f64', inputs: [f64(MODERATE)], fn: (x) => x.cos(), expected: MODERATE.map(Math.cos), ulps: 0 },
  { name: 'abs f32', inputs: [f32(F)], fn: (x) => x.abs(), expected: F.map(Math.abs) },
  {
    name: 'abs i32 of INT_MIN wraps',
    inputs: [i32([MIN, -3, 4])],
    fn: (x) => x.abs(),
    expected: [MIN, 3, 4],
  },
  { name: 'sign f32 keeps NaN and -0', inputs: [f32(F)], fn: (x) => x.sign(), expected: F.map(Math.sign) },
  { name: 'sign i32', inputs: [i32([MIN, -3, 0, 9])], fn: (x) => x.sign(), expected: [-1, -1, 0, 1] },
  { name: 'floor f32', inputs: [f32(F)], fn: (x) => x.floor(), expected: F.map(Math.floor) },
  {
    name: 'ceil f64',
    inputs: [f64([-0.5, 0.5, -2, 1e300])],
    fn: (x) => x.ceil(),
    expected: [-0, 1, -2, 1e300],
  },
  { name: 'floor i32 is identity', inputs: [i32([MIN, 7])], fn: (x) => x.floor(), expected: [MIN, 7] },
  { name: 'ceil i32 is identity', inputs: [i32([MAX, -7])], fn: (x) => x.ceil(), expected: [MAX, -7] },
  { name: 'not', inputs: [b([0, 1])], fn: (x) => x.logicalNot(), expected: [1, 0] },
  {
    name: 'add f32',
    inputs: [f32(F), f32(G)],
    fn: (x, y) => x.add(y),
    expected: F.map((v, i) => fr(v + G[i]!)),
  },
  {
    name: 'add i32 wraps',
    inputs: [i32([MAX, MIN, 5]), i32([1, -1, -7])],
    fn: (x, y) => x.add(y),
    expected: [MIN, MAX, -2],
  },
  {
    name: 'sub f64',
    inputs: [f64([0.1, INF, 1]), f64([0.2, INF, -0])],
    fn: (x, y) => x.sub(y),
    expected: [0.1 - 0.2, Number.NaN, 1],
  },
  {
    name: 'sub i32 wraps',
    inputs: [i32([MIN, 3]), i32([1, 5])],
    fn: (x, y) => x.sub(y),
    expected: [MAX, -2],
  },
  {
    name: 'mul f32',
    inputs: [f32(F), f32(G)],
    fn: (x, y) => x.mul(y),
    expected: F.map((v, i) => fr(v * G[i]!)),
  },
  {
    name: 'mul i32 wraps',
    inputs: [i32([65536, MAX, -3]), i32([65536, 2, 7])],
    fn: (x, y) => x.mul(y),
    expected: [0, -2, -21],
  },
  {
    name: 'div f32: 0/0 NaN, ±x/0 ±inf, 1/-0 -inf',
    inputs: [f32([0, 1, -1, 1, 7, INF]), f32([0, 0, 0, -0, 2, INF])],
    fn: (x, y) => x.div(y),
    expected: [Number.NaN, INF, -INF, -INF, 3.5, Number.NaN],
  },
  {
    name: 'div i32 truncates, x/0 = 0, INT_MIN/-1 wraps',
    inputs: [i32([7, -7, 7, -7, 5, 0, MIN, MIN]), i32([2, 2, -2, -2, 0, 0, -1, 1])],
    fn: (x, y) => x.div(y),
    expected: [3, -3, -3, 3, 0, 0, MIN, MIN],
  },
  {
    name: 'pow f32 follows Math.pow: pow(1, NaN) and pow(-1, inf) are NaN',
    inputs: [
      f32([1, -1, 1, 2, 0, -8, 4, Number.NaN, -2]),
      f32([Number.NaN, INF, -INF, 0.5, -1, fr(1 / 3), 2, 0, 3]),
    ],
    fn: (x, y) => x.pow(y),
    expected: [Number.NaN, Number.NaN, Number.NaN, fr(Math.SQRT2), INF, Number.NaN, 16, 1, -8],
    ulps: 1,
  },
  {
    name: 'pow i32 via ToInt32',
    inputs: [i32([2, 2, 0, 3, -1, -2, 5]), i32([10, -1, -1, 20, -1, 3, 0])],
    fn: (x, y) => x.pow(y),
    expected: [1024, 0, 0, 3486784401 - 4294967296, -1, -8, 1],
  },
  {
    name: 'maximum f32 propagates NaN',
    inputs: [f32([1, Number.NaN, -2, INF, 3]), f32([2, 0, Number.NaN, 5, -INF])],
    fn: (x, y) => x.maximum(y),
    expected: [2, Number.NaN, Number.NaN, INF, 3],
  },
  {
    name: 'minimum f64 and signed zeros',
    inputs: [f64([1, Number.NaN, 0, -0]), f64([2, 0, -0, 0])],
    fn: (x, y) => x.minimum(y),
    expected: [1, Number.NaN, -0, -0],
    signedZero: false,
  },
  {
    name: 'maximum i32',
    inputs: [i32([MIN, 4]), i32([MAX, -4])],
    fn: (x, y) => x.maximum(y),
    expected: [MAX, 4],
  },
  {
    name: 'and',
    inputs: [b([0, 0, 1, 1]), b([0, 1, 0, 1])],
    fn: (x, y) => x.logicalAnd(y),
    expected: [0, 0, 0, 1],
  },
  {
    name: 'or',
    inputs: [b([0, 0, 1, 1]), b([0, 1, 0, 1])],
    fn: (x, y) => x.logicalOr(y),
    expected: [0, 1, 1, 1],
  },
  ...(['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const).map(
    (fn): Case => ({
      name: `${fn} f32 with NaN`,
      inputs: [f32([1, 2, 2, Number.NaN, Number.NaN, -0]), f32([2, 2, 1, 1, Number.NaN, 0])],
      fn: (x, y) => x[fn](y),
      expected: [
        [1, 2],
        [2, 2],
        [2, 1],
        [Number.NaN, 1],
        [Number.NaN, Number.NaN],
        [-0, 0],
      ].map(([p, q]) => {
        const r = { lt: p! < q!, le: p! <= q!, gt: p! > q!, ge: p! >= q!, eq: p === q, ne: p !== q }[fn];
        return r ? 1 : 0;
      }),
    }),
  ),
  { name: 'lt i32', inputs: [i32([MIN, 3]), i32([MAX, 3])], fn: (x, y) => x.lt(y), expected: [1, 0] },
  {
    name: 'where',
    inputs: [b([1, 0, 1]), f32([1, 2, Number.NaN]), f32([-1, -2, -3])],
    fn: (c, x, y) => T.where(c, x, y),
    expected: [1, -2, Number.NaN],
  },
  {
    name: 'sum f32 accumulates in float64 and rounds once',
    inputs: [f32([1e8, 1, -1e8, 0.5])],
    fn: (x) => x.sum(),
    expected: [1.5],
  },
  { name: 'sum i32 wraps', inputs: [i32([MAX, 1, 5])], fn: (x) => x.sum(), expected: [MIN + 5] },
  {
    name: 'sum f64 over two axes, keepDims',
    inputs: [f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 3, 2])],
    fn: (x) => x.sum([0, 2], true),
    expected: [1 + 2 + 7 + 8, 3 + 4 + 9 + 10, 5 + 6 + 11 + 12],
  },
  { name: 'sum over an empty axis is 0', inputs: [f32([], [2, 0])], fn: (x) => x.sum(1), expected: [0, 0] },
  {
    name: 'max propagates NaN',
    inputs: [f32([1, Number.NaN, 3, 4, 5, -6], [2, 3])],
    fn: (x) => x.max(1),
    expected: [Number.NaN, 5],
  },
  {
    name: 'min i32 over all axes',
    inputs: [i32([4, MIN, 9, 0], [2, 2])],
    fn: (x) => x.min(),
    expected: [MIN],
  },
  {
    name: 'argmax: first maximum, NaN is the maximum',
    inputs: [f32([1, 3, 3, 0, Number.NaN, 2, Number.NaN, 5], [2, 4])],
    fn: (x) => x.argMax(1),
    expected: [1, 0],
  },
  {
    name: 'argmax i32 on axis 0',
    inputs: [i32([1, 7, 7, 2], [2, 2])],
    fn: (x) => x.argMax(0),
    expected: [1, 0],
  },
  {
    name: 'reshape + transpose',
    inputs: [f32([1, 2, 3, 4, 5, 6], [2, 3])],
    fn: (x) => x.transpose().reshape([6]),
    expected: [1, 4, 2, 5, 3, 6],
  },
  {
    name: 'expand (broadcast)',
    inputs: [i32([1, 2], [2, 1])],
    fn: (x) => x.broadcastTo([2, 3]),
    expected: [1, 1, 1, 2, 2, 2],
  },
  {
    name: 'slice',
    inputs: [f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4])],
    fn: (x) => x.slice([1, 1], [3, 3]),
    expected: [5, 6, 9, 10],
  },
  {
    name: 'concat',
    inputs: [i32([1, 2], [2, 1]), i32([3, 4, 5, 6], [2, 2])],
    fn: (x, y) => T.concat([x, y], 1),
    expected: [1, 3, 4, 2, 5, 6],
  },
  {
    name: 'pad f32 with a value, per axis',
    inputs: [f32([1, 2], [1, 2])],
    fn: (x) =>
      x.pad(
        [
          [1, 0],
          [0, 2],
        ],
        9,
      ),
    expected: [9, 9, 9, 9, 1, 2, 9, 9],
  },
  { name: 'pad bool', inputs: [b([1])], fn: (x) => x.pad([[1, 1]]), expected: [0, 1, 0] },
  {
    name: 'matmul f32 accumulates in float64',
    inputs: [f32([1e8, 1, -1e8], [1, 3]), f32([1, 1, 1], [3, 1])],
    fn: (x, y) => x.matmul(y),
    expected: [1],
  },
  {
    name: 'matmul batched f64',
    inputs: [f64([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), f64([1, 0, 0, 1, 2, 0, 0, 2], [2, 2, 2])],
    fn: (x, y) => x.matmul(y),
    expected: [1, 2, 3, 4, 10, 12, 14, 16],
  },
  {
    name: 'matmul i32 wraps',
    inputs: [i32([65536, 65536], [1, 2]), i32([65536, 1], [2, 1])],
    fn: (x, y) => x.matmul(y),
    expected: [65536],
  },
  {
    // operands are multiples of 1/4, so torch's float32 sums are exact in any order
    name: 'conv2d f32, groups and asymmetric pads',
    inputs: [
      f32(
        Array.from({ length: 4 * 5 * 5 }, (_, i) => ((i * 7) % 11) / 4 - 1),
        [1, 4, 5, 5],
      ),
      f32(
        Array.from({ length: 4 * 2 * 3 * 3 }, (_, i) => ((i * 5) % 9) / 4 - 1),
        [4, 2, 3, 3],
      ),
    ],
    fn: (x, w) =>
      x.conv2d(w, {
        pads: [
          [1, 0],
          [2, 1],
        ],
        groups: 2,
      }),
  },
  {
    name: 'conv2d f64 symmetric pads, stride 2 (hand-computed)',
    inputs: [f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]), f64([1, 0, 0, 1], [1, 1, 2, 2])],
    // padded 5x5 with zeros round the 3x3; windows start at rows/cols 0, 2: x[i-1][j-1] + x[i][j]
    fn: (x, w) =>
      x.conv2d(w, {
        strides: 2,
        pads: [
          [1, 1],
          [1, 1],
        ],
      }),
    expected: [1, 3, 7, 14],
  },
  {
    name: 'conv2d f64 asymmetric pads, dilation, groups, and both gradients',
    inputs: [
      f64(
        Array.from({ length: 2 * 4 * 5 * 5 }, (_, i) => Math.sin(i)),
        [2, 4, 5, 5],
      ),
      f64(
        Array.from({ length: 6 * 2 * 2 * 3 }, (_, i) => Math.cos(i)),
        [6, 2, 2, 3],
      ),
    ],
    fn: (x, w) => {
      const y = x.conv2d(w, {
        strides: [1, 2],
        dilations: [2, 1],
        pads: [
          [0, 2],
          [1, 0],
        ],
        groups: 2,
      });
      const [dx, dw] = grad(y.mul(y).sum(), [x, w]);
      return T.concat([y.reshape([-1]), dx!.reshape([-1]), dw!.reshape([-1])]);
    },
  },
  {
    name: 'cast f32 → i32 truncates, saturates, NaN → 0',
    inputs: [f32([Number.NaN, 3e9, -3e9, -2.7, 2.7, INF, -INF, -0])],
    fn: (x) => x.cast('int32'),
    expected: [0, MAX, MIN, -2, 2, MAX, MIN, 0],
  },
  {
    name: 'cast → bool is x ≠ 0 (NaN true)',
    inputs: [f64([0, -0, Number.NaN, 0.5])],
    fn: (x) => x.cast('bool'),
    expected: [0, 0, 1, 1],
  },
  { name: 'cast bool → f32', inputs: [b([0, 1])], fn: (x) => x.cast('float32'), expected: [0, 1] },
  {
    name: 'cast i32 → f32 rounds to nearest even',
    inputs: [i32([16777217, 16777219, MAX])],
    fn: (x) => x.cast('float32'),
    expected: [16777216, 16777220, 2147483648],
  },
  {
    name: 'cast f64 → f32 rounds',
    inputs: [f64([0.1, 1e300])],
    fn: (x) => x.cast('float32'),
    expected: [fr(0.1), INF],
  },
  { name: 'cast i32 → bool', inputs: [i32([0, MIN])], fn: (x) => x.cast('bool'), expected: [0, 1] },
  {
    name: 'constant output (small, inlined)',
    inputs: [],
    fn: () => T.fromData([1.5, -2], [2]),
    expected: [1.5, -2],
  },
  {
    name: 'large constant (a buffer) feeding an op',
    inputs: [f32([1])],
    fn: (x) =>
      T.fromData(
        Array.from({ length: 100 }, (_, i) => i),
        [100],
      ).add(x),
    expected: Array.from({ length: 100 }, (_, i) => i + 1),
  },
  { name: 'input returned unchanged', inputs: [i32([3, 4])], fn: (x) => x, expected: [3, 4] },
];

function buildGraph(): { graph: Graph; inputs: TypedArray[] } {
  const specs = CASES.flatMap((c, k) =>
    c.inputs.map((x, j) => ({ name: `c${k}_${j}`, shape: x.shape, dtype: x.dtype })),
  );
  const graph = trace(specs, (...xs) => {
    let at = 0;
    const outs: Record<string, Tensor> = {};
    CASES.forEach((c, k) => {
      outs[`case${k}`] = c.fn(...xs.slice(at, at + c.inputs.length));
      at += c.inputs.length;
    });
    return outs;
  });
  const inputs = CASES.flatMap((c) => c.inputs.map((x) => T.fromData(x.data, x.shape, x.dtype).data()));
  return { graph, inputs };
}

const worker = testWorker();
afterAll(() => worker.close());

describe.each(['exact', 'native'] as const)('primitive lowerings on TorchScript (float32Math %s)', (mode) => {
  const { graph, inputs } = buildGraph();
  let torchOut: TypedArray[] = [];
  beforeAll(async () => {
    torchOut = await runOnTorch(worker, graph, inputs, { float32Math: mode });
  });

  it('the table has one lowering per primitive and the cases exercise each of them', () => {
    expect(Object.keys(PRIM_LOWERINGS).sort()).toEqual([...ALL_PRIMS].sort());
    const covered = new Set<PrimName>(topoSort(graph.outputs).map((n) => primName(n.op)));
    expect(ALL_PRIMS.filter((p) => !covered.has(p))).toEqual([]);
  });

  const reference = runOnReference(graph, inputs);
  CASES.forEach((c, k) => {
    it(c.name, () => {
      const opts = { ulps: mode === 'native' ? (c.ulps ?? 0) : 0, signedZero: c.signedZero ?? true };
      const got = torchOut[k]!;
      if (c.expected) expect(difference(got, c.expected, opts)).toBeUndefined();
      expect(difference(got, reference[k]!, opts)).toBeUndefined();
      expect(Array.from(got).length).toBe(graph.outputs[k]!.size);
    });
  });
});
