import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from '../tensor/tensor.ts';
import { type ConvGeometry, convGeometry, convShapes } from '../testing/conv-cases.ts';

/**
 * The reference `conv2d` against the definition written as plainly as possible (an explicitly
 * zero-padded input and six nested loops), and its gradient rule against float64 central
 * differences, over random geometries: strides, dilations, asymmetric pads and groups.
 */
const values = (count: number, seed: number) =>
  Array.from({ length: count }, (_, i) => Math.sin(i * 1.37 + seed) * 2);

function operands(g: ConvGeometry) {
  const { xShape, wShape } = convShapes(g);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    x: values(size(xShape), 0.4),
    k: values(size(wShape), 2.1),
    xShape,
    wShape,
  };
}

/** The definition: out[b,m,i,j] = Σ_{ci,r,t} xpad[b, group(m)·cg + ci, i·sh + r·dh, j·sw + t·dw] · w[m,ci,r,t]. */
function naiveConv(g: ConvGeometry, x: number[], k: number[]): number[] {
  const c = g.groups * g.cg;
  const o = g.groups * g.og;
  const hp = g.h + g.pads[0][0] + g.pads[0][1];
  const wp = g.w + g.pads[1][0] + g.pads[1][1];
  const at = (b: number, ch: number, r: number, col: number) => {
    const row = r - g.pads[0][0];
    const cc = col - g.pads[1][0];
    if (row < 0 || row >= g.h || cc < 0 || cc >= g.w) return 0;
    return x[((b * c + ch) * g.h + row) * g.w + cc]!;
  };
  const oh = Math.floor((hp - g.dilations[0] * (g.kh - 1) - 1) / g.strides[0]) + 1;
  const ow = Math.floor((wp - g.dilations[1] * (g.kw - 1) - 1) / g.strides[1]) + 1;
  const out: number[] = [];
  for (let b = 0; b < g.n; b++)
    for (let m = 0; m < o; m++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = 0;
          const group = Math.floor(m / g.og);
          for (let ci = 0; ci < g.cg; ci++)
            for (let r = 0; r < g.kh; r++)
              for (let t = 0; t < g.kw; t++) {
                const xv = at(
                  b,
                  group * g.cg + ci,
                  i * g.strides[0] + r * g.dilations[0],
                  j * g.strides[1] + t * g.dilations[1],
                );
                acc += xv * k[((m * g.cg + ci) * g.kh + r) * g.kw + t]!;
              }
          out.push(acc);
        }
  return out;
}

const convOf = (g: ConvGeometry) => (x: Tensor, w: Tensor) =>
  x.conv2d(w, { strides: g.strides, dilations: g.dilations, pads: g.pads, groups: g.groups });

/** One image of `channels` × size × size, 3×3 kernels to 2 outputs, stride 1, 'same' zero padding. */
const same3x3 = (channels: number, size: number): ConvGeometry => ({
  n: 1,
  groups: 1,
  cg: channels,
  og: 2,
  h: size,
  w: size,
  kh: 3,
  kw: 3,
  strides: [1, 1],
  dilations: [1, 1],
  pads: [
    [1, 1],
    [1, 1],
  ],
});

describe('reference conv2d', () => {
  it('equals the definition for random geometries (float64)', () => {
    fc.assert(
      fc.property(convGeometry, (g) => {
        const { x, k, xShape, wShape } = operands(g);
        const got = convOf(g)(Tensor.fromData(x, xShape, 'float64'), Tensor.fromData(k, wShape, 'float64'));
        const want = naiveConv(g, x, k);
        expect(got.size).toBe(want.length);
        got.toArray().forEach((v, i) => {
          expect(v).toBeCloseTo(want[i]!, 12);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('builds the patches of a large image band by band, with the same result', () => {
    // 128 channels × 3×3 taps × 48×48 pixels is 2.65M patch values, above the 2M band limit
    const g = same3x3(128, 48);
    const { x, k, xShape, wShape } = operands(g);
    const got = convOf(g)(Tensor.fromData(x, xShape, 'float64'), Tensor.fromData(k, wShape, 'float64'));
    const want = naiveConv(g, x, k);
    got.toArray().forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 10);
    });
  });

  it('rounds float32 once from the float64 sum', () => {
    const g = same3x3(3, 5);
    const { x, k, xShape, wShape } = operands(g);
    const x32 = Array.from(Float32Array.from(x));
    const k32 = Array.from(Float32Array.from(k));
    const got = convOf(g)(Tensor.fromData(x32, xShape, 'float32'), Tensor.fromData(k32, wShape, 'float32'));
    expect(got.toArray()).toEqual(naiveConv(g, x32, k32).map(Math.fround));
  });

  it('propagates NaN and Inf from the input through zero weights', () => {
    const x = Tensor.fromData([Number.NaN, 1, Number.POSITIVE_INFINITY, 2], [1, 1, 2, 2], 'float64');
    const w = Tensor.fromData([0], [1, 1, 1, 1], 'float64');
    expect(x.conv2d(w).toArray()).toEqual([Number.NaN, 0, Number.NaN, 0]);
  });

  it('gradients match float64 central differences for random geometries', () => {
    fc.assert(
      fc.property(convGeometry, (g) => {
        const { x, k, xShape, wShape } = operands(g);
        const f = convOf(g);
        const probe = (xs: number[], ks: number[]) => {
          const y = f(Tensor.fromData(xs, xShape, 'float64'), Tensor.fromData(ks, wShape, 'float64'));
          // weight each output differently so every element's cotangent matters
          const wts = Tensor.fromData(
            values(y.size, 0.7).map((v) => v + 3),
            y.shape,
            'float64',
          );
          return y.mul(wts).sum();
        };
        const xt = Tensor.fromData(x, xShape, 'float64');
        const kt = Tensor.fromData(k, wShape, 'float64');
        const y = f(xt, kt);
        const wts = Tensor.fromData(
          values(y.size, 0.7).map((v) => v + 3),
          y.shape,
          'float64',
        );
        const [dx, dk] = grad(y.mul(wts).sum(), [xt, kt]).map((t) => t.toArray());
        const h = 1e-5;
        const numeric = (data: number[], which: 0 | 1) =>
          data.map((_, i) => {
            const shifted = (d: number) => {
              const copy = [...data];
              copy[i]! += d;
              return (which === 0 ? probe(copy, k) : probe(x, copy)).item();
            };
            return (shifted(h) - shifted(-h)) / (2 * h);
          });
        numeric(x, 0).forEach((v, i) => {
          expect(dx![i]).toBeCloseTo(v, 6);
        });
        numeric(k, 1).forEach((v, i) => {
          expect(dk![i]).toBeCloseTo(v, 6);
        });
      }),
      {
        numRuns: 40,
        // every output reads only padding along the width: the input cotangent is all zeros
        examples: [
          [
            {
              ...{ n: 1, groups: 1, cg: 1, og: 1, h: 1, w: 1, kh: 1, kw: 1 },
              strides: [1, 3],
              dilations: [1, 1],
              pads: [
                [0, 0],
                [2, 0],
              ],
            },
          ],
        ],
      },
    );
  });

  it('differentiates twice: the gradient of a weight-gradient norm matches finite differences', () => {
    const opts = {
      strides: 2,
      dilations: [1, 2],
      pads: [
        [1, 0],
        [0, 1],
      ],
      groups: 2,
    } as const;
    const xShape = [1, 2, 5, 6];
    const wShape = [4, 1, 2, 2];
    const x0 = values(60, 0.9);
    const w0 = values(16, 1.3);
    // f(x) = Σ (∂/∂w Σ conv(x, w)²)²: its x-gradient needs the rule applied to the rule's own graph
    const f = (xs: number[]) => {
      const x = Tensor.fromData(xs, xShape, 'float64');
      const w = Tensor.fromData(w0, wShape, 'float64');
      const [dw] = grad(x.conv2d(w, opts).square().sum(), [w]);
      return { x, value: dw!.square().sum() };
    };
    const { x, value } = f(x0);
    const [dx] = grad(value, [x]);
    const h = 1e-5;
    const numeric = x0.map((_, i) => {
      const at = (d: number) => f(x0.map((v, j) => (j === i ? v + d : v))).value.item();
      return (at(h) - at(-h)) / (2 * h);
    });
    dx!.toArray().forEach((v, i) => {
      expect(v).toBeCloseTo(numeric[i]!, 5);
    });
  });

  it('refuses geometry that does not fit, naming the problem', () => {
    const x = Tensor.zeros([1, 4, 5, 5], 'float64');
    expect(() => x.conv2d(Tensor.zeros([2, 3, 3, 3], 'float64'), { groups: 2 })).toThrow(
      /do not fit 4 input channels in 2 group/,
    );
    expect(() => x.conv2d(Tensor.zeros([2, 4, 7, 1], 'float64'))).toThrow(/larger than the padded 5x5 input/);
    expect(() => x.conv2d(Tensor.zeros([2, 4, 3, 3], 'float64'), { strides: 0 })).toThrow(
      /must be positive integers/,
    );
    expect(() => x.conv2d(Tensor.zeros([2, 4, 3, 3], 'float32'))).toThrow(/dtype mismatch/);
    expect(() => x.reshape([4, 25]).conv2d(Tensor.zeros([2, 4, 3, 3], 'float64'))).toThrow(
      /needs x \[N, C, H, W\]/,
    );
  });
});
