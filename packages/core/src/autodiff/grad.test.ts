import { describe, expect, it } from 'vitest';
import { ALL_PRIMS, type PrimName } from '../ir/op.ts';
import { Tensor } from '../tensor/tensor.ts';
import { grad } from './grad.ts';

/**
 * Every differentiable primitive's gradient rule is checked against float64 central finite
 * differences. Inputs are chosen away from kinks (abs at 0, max ties) where the derivative is a
 * convention rather than a limit; conventions are tested separately below.
 */
type Case = {
  prim: PrimName;
  inputs: { data: number[]; shape: number[] }[];
  f: (...xs: Tensor[]) => Tensor;
  /** decimal digits to agree on and finite-difference step, coarser only where float32 rounding enters */
  digits?: number;
  h?: number;
};

const v = (data: number[], shape: number[] = [data.length]) => ({ data, shape });
/** Deterministic, non-repeating values for larger operands. */
const wave = (shape: number[], phase: number) =>
  v(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.91 + phase)),
    shape,
  );
const m23 = v([0.3, -1.2, 0.7, 1.5, -0.4, 0.9], [2, 3]);
const pos23 = v([0.3, 1.2, 0.7, 1.5, 0.4, 0.9], [2, 3]);
const other23 = v([1.1, 0.5, -0.8, 0.2, 1.3, -0.6], [2, 3]);

const CASES: Case[] = [
  { prim: 'neg', inputs: [m23], f: (x) => x.neg() },
  { prim: 'exp', inputs: [m23], f: (x) => x.exp() },
  { prim: 'log', inputs: [pos23], f: (x) => x.log() },
  { prim: 'sqrt', inputs: [pos23], f: (x) => x.sqrt() },
  { prim: 'abs', inputs: [m23], f: (x) => x.abs() },
  { prim: 'sign', inputs: [m23], f: (x) => x.sign().mul(x) },
  { prim: 'sin', inputs: [m23], f: (x) => x.sin() },
  { prim: 'cos', inputs: [m23], f: (x) => x.cos() },
  { prim: 'floor', inputs: [m23], f: (x) => x.floor().add(x) },
  { prim: 'ceil', inputs: [m23], f: (x) => x.ceil().add(x) },
  { prim: 'add', inputs: [m23, other23], f: (a, b) => a.add(b) },
  { prim: 'sub', inputs: [m23, other23], f: (a, b) => a.sub(b) },
  { prim: 'mul', inputs: [m23, other23], f: (a, b) => a.mul(b) },
  { prim: 'div', inputs: [m23, other23], f: (a, b) => a.div(b) },
  { prim: 'pow', inputs: [pos23, other23], f: (a, b) => a.pow(b) },
  { prim: 'maximum', inputs: [m23, other23], f: (a, b) => a.maximum(b) },
  { prim: 'minimum', inputs: [m23, other23], f: (a, b) => a.minimum(b) },
  { prim: 'where', inputs: [m23, other23], f: (a, b) => Tensor.where(a.gt(b), a.mul(a), b.mul(3)) },
  { prim: 'sum', inputs: [m23], f: (x) => x.sum(1) },
  { prim: 'max', inputs: [m23], f: (x) => x.max(0, true) },
  { prim: 'min', inputs: [m23], f: (x) => x.min(1) },
  { prim: 'reshape', inputs: [m23], f: (x) => x.reshape([3, 2]).mul(x.reshape([3, 2])) },
  { prim: 'transpose', inputs: [m23], f: (x) => x.transpose().matmul(x) },
  {
    prim: 'expand',
    inputs: [v([0.5, -2, 1.5], [1, 3])],
    f: (x) => x.broadcastTo([4, 3]).mul(Tensor.fromData([1, 2, 3, 4], [4, 1], 'float64').broadcastTo([4, 3])),
  },
  { prim: 'slice', inputs: [m23], f: (x) => x.slice([0, 1], [2, 3]).exp() },
  { prim: 'concat', inputs: [m23, other23], f: (a, b) => Tensor.concat([a, b.mul(b)], 1) },
  {
    prim: 'pad',
    inputs: [m23],
    f: (x) =>
      x
        .pad(
          [
            [1, 0],
            [0, 2],
          ],
          3,
        )
        .mul(
          x.pad(
            [
              [1, 0],
              [0, 2],
            ],
            3,
          ),
        ),
  },
  { prim: 'matmul', inputs: [m23, v([0.2, -0.3, 0.5, 1.1, -0.7, 0.4], [3, 2])], f: (a, b) => a.matmul(b) },
  {
    prim: 'conv2d',
    inputs: [wave([1, 2, 5, 4], 0.3), wave([4, 1, 3, 2], 1.1)],
    f: (x, w) =>
      x.conv2d(w, {
        strides: [2, 1],
        dilations: [1, 2],
        pads: [
          [1, 0],
          [0, 2],
        ],
        groups: 2,
      }),
  },
  // the float32 round trip quantises the finite difference itself (h = 1e-6 is below float32 resolution)
  { prim: 'cast', inputs: [m23], f: (x) => x.cast('float32').cast('float64').mul(x), digits: 3, h: 1e-2 },
];

/** Primitives without a derivative (integer/boolean results) or leaves. */
const NOT_DIFFERENTIABLE: PrimName[] = [
  'constant',
  'input',
  'not',
  'and',
  'or',
  'lt',
  'le',
  'gt',
  'ge',
  'eq',
  'ne',
  'argmax',
];

function finiteDifference(c: Case, weights: Tensor[]): number[][] {
  const h = c.h ?? 1e-6;
  return c.inputs.map((input, which) =>
    input.data.map((_, j) => {
      const at = (delta: number) => {
        const xs = c.inputs.map((inp, k) => {
          const data = [...inp.data];
          if (k === which) data[j]! += delta;
          return Tensor.fromData(data, inp.shape, 'float64');
        });
        return weighted(c.f(...xs), weights[0]!).item();
      };
      return (at(h) - at(-h)) / (2 * h);
    }),
  );
}

function weighted(out: Tensor, w: Tensor): Tensor {
  return out.mul(w.reshape(out.shape)).sum();
}

describe('gradient rules against float64 finite differences', () => {
  it('covers every primitive', () => {
    const tested = new Set<PrimName>([...CASES.map((c) => c.prim), ...NOT_DIFFERENTIABLE]);
    expect(ALL_PRIMS.filter((p) => !tested.has(p))).toEqual([]);
  });

  for (const c of CASES) {
    it(c.prim, () => {
      const xs = c.inputs.map((inp) => Tensor.fromData(inp.data, inp.shape, 'float64'));
      const out = c.f(...xs);
      // random weights make every output element matter with a different coefficient
      const w = Tensor.fromData(
        Array.from({ length: out.size }, (_, i) => Math.sin(i * 1.7 + 0.3) + 1.5),
        [out.size],
        'float64',
      );
      const analytic = grad(weighted(out, w), xs).map((g) => g.toArray());
      const numeric = finiteDifference(c, [w]);
      analytic.forEach((g, k) => {
        g.forEach((value, j) => {
          expect(value).toBeCloseTo(numeric[k]![j]!, c.digits ?? 5);
        });
      });
    });
  }
});

describe('gradient conventions at kinks', () => {
  it('abs has gradient 0 at 0 (sign(0) = 0)', () => {
    const x = Tensor.fromData([0, -2, 3], [3], 'float64');
    expect(grad(x.abs().sum(), [x])[0]!.toArray()).toEqual([0, -1, 1]);
  });
  it('maximum and minimum split ties evenly, as torch does', () => {
    const a = Tensor.fromData([1, 2, 3], [3], 'float64');
    const b = Tensor.fromData([1, 5, 0], [3], 'float64');
    const [ga, gb] = grad(a.maximum(b).sum(), [a, b]);
    expect(ga!.toArray()).toEqual([0.5, 0, 1]);
    expect(gb!.toArray()).toEqual([0.5, 1, 0]);
  });
  it('max reduction shares the gradient among tied maxima', () => {
    const x = Tensor.fromData([2, 2, 1], [3], 'float64');
    expect(grad(x.max(), [x])[0]!.toArray()).toEqual([0.5, 0.5, 0]);
  });
  it('pow: d/db of 0^b is 0 for b ≥ 0, not NaN', () => {
    const a = Tensor.fromData([0, 2], [2], 'float64');
    const b = Tensor.fromData([2, 3], [2], 'float64');
    const [, gb] = grad(a.pow(b).sum(), [a, b]);
    expect(gb!.toArray()[0]).toBe(0);
    expect(gb!.toArray()[1]).toBeCloseTo(8 * Math.log(2), 12);
  });
  it('broadcast operands receive gradients summed over the broadcast axes', () => {
    const a = Tensor.fromData([1, 2, 3, 4, 5, 6], [2, 3], 'float64');
    const b = Tensor.fromData([10], [1], 'float64');
    const [, gb] = grad(a.mul(b).sum(), [a, b]);
    expect(gb!.toArray()).toEqual([21]);
    expect(gb!.shape).toEqual([1]);
  });
  it('gradients are themselves differentiable (second derivative of x³ is 6x)', () => {
    const x = Tensor.fromData([2], [1], 'float64');
    const [dx] = grad(x.pow(3).sum(), [x]);
    const [ddx] = grad(dx!.sum(), [x]);
    expect(ddx!.toArray()[0]).toBeCloseTo(12, 10);
  });
  it('tensors the output does not depend on get zero gradients', () => {
    const x = Tensor.fromData([1, 2], [2], 'float64');
    const y = Tensor.fromData([3, 4], [2], 'float64');
    expect(grad(x.sum(), [x, y])[1]!.toArray()).toEqual([0, 0]);
  });
  it('refuses a non-scalar output without a seed', () => {
    const x = Tensor.fromData([1, 2], [2], 'float64');
    expect(() => grad(x.mul(2), [x])).toThrow(/scalar or an explicit seed/);
  });
});
