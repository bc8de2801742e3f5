import { grad, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Conv2D, type Conv2DOptions } from './conv2d.ts';
import { CONV_LAYERS } from './index.ts';
import { nchwToNhwc, nhwcToNchw } from './layout.ts';
import { type NaiveImage, naiveConv, randomArray } from './testing/naive.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tol * (1 + Math.abs(expected[i]!))) {
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/** TF's SAME rule restated from its documentation, for the oracle's explicit pads. */
function tfSame(size: number, k: number, s: number, d: number): [number, number] {
  const total = Math.max((Math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

describe('Conv2D', () => {
  it('matches a hand-computed 3×3 valid convolution with bias', () => {
    // 1 image 3×3×1, kernel 2×2 of ones → sums of 2×2 blocks, plus bias 0.5
    const layer = new Conv2D({ filters: 1, kernelSize: [2, 2], dtype: 'float64', name: 'c' });
    expect(layer.build([3, 3, 1]).map((w) => [w.name, w.shape])).toEqual([
      ['kernel', [2, 2, 1, 1]],
      ['bias', [1]],
    ]);
    const x = f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = layer.call(x, { kernel: f64([1, 1, 1, 1], [2, 2, 1, 1]), bias: f64([0.5], [1]) }, INFERENCE);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(y.toArray()).toEqual([12.5, 16.5, 24.5, 28.5]);
  });

  it('SAME with an even kernel pads the extra row/column on the bottom/right (TF)', () => {
    // 2×2 ones kernel on a 2×2 image, SAME stride 1: total pad 1 per axis, all of it after.
    // Output (r, c) sums x over rows r..r+1, cols c..c+1 clipped to the image.
    const layer = new Conv2D({
      filters: 1,
      kernelSize: 2,
      padding: 'same',
      useBias: false,
      dtype: 'float64',
    });
    const x = f64([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = layer.call(x, { kernel: f64([1, 1, 1, 1], [2, 2, 1, 1]) }, INFERENCE);
    expect(y.toArray()).toEqual([10, 6, 7, 4]);
  });

  it('matches the direct loop on random configurations (strides, dilation, groups, padding, formats)', () => {
    const config = fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      height: fc.integer({ min: 1, max: 7 }),
      width: fc.integer({ min: 1, max: 7 }),
      groups: fc.integer({ min: 1, max: 3 }),
      perGroupIn: fc.integer({ min: 1, max: 2 }),
      perGroupOut: fc.integer({ min: 1, max: 2 }),
      kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.oneof(
        fc.constant('valid' as const),
        fc.constant('same' as const),
        fc.tuple(
          fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })),
          fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })),
        ),
      ),
      channelsFirst: fc.boolean(),
      useBias: fc.boolean(),
      seed: fc.nat(),
    });
    let checked = 0;
    fc.assert(
      fc.property(config, (c) => {
        const channels = c.groups * c.perGroupIn;
        const filters = c.groups * c.perGroupOut;
        const pads =
          c.padding === 'valid'
            ? [
                [0, 0],
                [0, 0],
              ]
            : c.padding === 'same'
              ? [
                  tfSame(c.height, c.kernel[0], c.strides[0], c.dilation[0]),
                  tfSame(c.width, c.kernel[1], c.strides[1], c.dilation[1]),
                ]
              : c.padding;
        const fits = [0, 1].every(
          (a) =>
            (c.kernel[a]! - 1) * c.dilation[a]! + 1 <=
            (a === 0 ? c.height : c.width) + pads[a]![0]! + pads[a]![1]!,
        );
        const layer = new Conv2D({
          filters,
          kernelSize: c.kernel,
          strides: c.strides,
          dilationRate: c.dilation,
          padding: c.padding as NonNullable<Conv2DOptions['padding']>,
          groups: c.groups,
          dataFormat: c.channelsFirst ? 'channelsFirst' : 'channelsLast',
          useBias: c.useBias,
          dtype: 'float64',
        });
        const image: NaiveImage = {
          data: randomArray(c.batch * c.height * c.width * channels, c.seed),
          shape: [c.batch, c.height, c.width, channels],
        };
        const kernel = randomArray(c.kernel[0] * c.kernel[1] * c.perGroupIn * filters, c.seed + 1);
        const bias = c.useBias ? randomArray(filters, c.seed + 2) : undefined;
        const nhwc = f64(image.data, [...image.shape]);
        const input = c.channelsFirst ? nhwcToNchw(nhwc) : nhwc;
        const weights = {
          kernel: f64(kernel, [...c.kernel, c.perGroupIn, filters]),
          ...(bias ? { bias: f64(bias, [filters]) } : {}),
        };
        if (!fits) {
          expect(() => layer.call(input, weights, INFERENCE)).toThrow(/does not fit/);
          return;
        }
        const expected = naiveConv(image, kernel, bias, filters, c.groups, {
          kernel: c.kernel,
          strides: c.strides,
          dilation: c.dilation,
          pads: pads as [number, number][],
        });
        const out = layer.call(input, weights, INFERENCE);
        const perSample = layer.computeOutputShape(input.shape.slice(1));
        expect(out.shape).toEqual([c.batch, ...perSample]);
        const asNhwc = c.channelsFirst ? nchwToNhwc(out) : out;
        expect(asNhwc.shape).toEqual([...expected.shape]);
        expectClose(asNhwc.toArray(), expected.data);
        checked++;
      }),
      { numRuns: 150, seed: 20261129 },
    );
    // the generator must mostly produce windows that fit, or the property says little
    expect(checked).toBeGreaterThan(100);
  });

  it('kernel, bias and input gradients match float64 central differences', () => {
    const opts: Conv2DOptions = {
      filters: 4,
      kernelSize: [3, 2],
      strides: [2, 1],
      dilationRate: [1, 2],
      padding: 'same',
      groups: 2,
      dataFormat: 'channelsFirst',
      dtype: 'float64',
    };
    const layer = new Conv2D(opts);
    const xShape = [2, 4, 5, 4];
    const kShape = [3, 2, 2, 4];
    const xData = randomArray(2 * 4 * 5 * 4, 11);
    const kData = randomArray(3 * 2 * 2 * 4, 12);
    const bData = randomArray(4, 13);
    const outShape = [2, ...layer.computeOutputShape(xShape.slice(1))];
    const probe = f64(
      randomArray(
        outShape.reduce((a, b) => a * b),
        14,
      ),
      outShape,
    );
    // loss = Σ probe ⊙ conv(x); a weighted sum so every output position matters differently
    const loss = (x: Float64Array, k: Float64Array, b: Float64Array) =>
      layer
        .call(f64(x, xShape), { kernel: f64(k, kShape), bias: f64(b, [4]) }, INFERENCE)
        .mul(probe)
        .sum();
    const x = f64(xData, xShape);
    const k = f64(kData, kShape);
    const b = f64(bData, [4]);
    const y = layer.call(x, { kernel: k, bias: b }, INFERENCE).mul(probe).sum();
    const [gx, gk, gb] = grad(y, [x, k, b]).map((g) => g!.toArray());
    const numeric = (which: 0 | 1 | 2) => {
      const base = [xData, kData, bData][which]!;
      const eps = 1e-6;
      return Array.from(base, (_, i) => {
        const plus = Float64Array.from(base);
        const minus = Float64Array.from(base);
        plus[i]! += eps;
        minus[i]! -= eps;
        const args = (v: Float64Array) =>
          [which === 0 ? v : xData, which === 1 ? v : kData, which === 2 ? v : bData] as const;
        return (loss(...args(plus)).item() - loss(...args(minus)).item()) / (2 * eps);
      });
    };
    expectClose(gk!, numeric(1), 1e-7);
    expectClose(gb!, numeric(2), 1e-7);
    expectClose(gx!, numeric(0), 1e-7);
  });

  it('exposes a fusable output activation and its logits', () => {
    const layer = new Conv2D({
      filters: 1,
      kernelSize: 1,
      activation: 'relu',
      useBias: false,
      dtype: 'float64',
    });
    expect(layer.outputActivation).toBe('relu');
    const x = f64([-2, 3], [1, 1, 2, 1]);
    const kernel = f64([1], [1, 1, 1, 1]);
    expect(layer.callWithoutOutputActivation(x, { kernel }, INFERENCE).toArray()).toEqual([-2, 3]);
    expect(layer.call(x, { kernel }, INFERENCE).toArray()).toEqual([0, 3]);
    expect(new Conv2D({ filters: 1, kernelSize: 1 }).outputActivation).toBeUndefined();
  });

  it('round-trips its config through the registry', () => {
    const layer = new Conv2D({
      name: 'conv',
      filters: 6,
      kernelSize: 3,
      strides: [2, 1],
      padding: [
        [1, 0],
        [2, 2],
      ],
      dilationRate: [1, 2],
      groups: 3,
      dataFormat: 'channelsFirst',
      activation: 'elu',
      useBias: false,
      kernelInitializer: 'heNormal',
      kernelRegularizer: { name: 'l2', l2: 0.01 },
      dtype: 'float64',
    });
    const config = layer.getConfig();
    expect(config).toMatchObject({
      kernelSize: [3, 3],
      strides: [2, 1],
      padding: [
        [1, 0],
        [2, 2],
      ],
      groups: 3,
    });
    const copy = CONV_LAYERS.Conv2D!(JSON.parse(JSON.stringify(config)));
    expect(copy).toBeInstanceOf(Conv2D);
    expect(copy.getConfig()).toEqual(config);
    expect(copy.name).toBe('conv');
    // defaults are written out explicitly
    expect(new Conv2D({ filters: 1, kernelSize: [1, 1] }).getConfig()).toEqual({
      filters: 1,
      kernelSize: [1, 1],
      strides: [1, 1],
      padding: 'valid',
      dilationRate: [1, 1],
      groups: 1,
      dataFormat: 'channelsLast',
      activation: 'linear',
      useBias: true,
      kernelInitializer: 'glorotUniform',
      biasInitializer: 'zeros',
      dtype: 'float32',
    });
  });

  it('refuses bad options and inputs with the field or layer named', () => {
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 3], dataFormat: 'NCHW' as never })).toThrow(
      /Conv2D.dataFormat.*channelsFirst/,
    );
    expect(() => new Conv2D({ filters: 3, kernelSize: 1, groups: 2 })).toThrow(/Conv2D.groups.*divisible/);
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 0] })).toThrow(/Conv2D.kernelSize\[1\]/);
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 3, 3] as never })).toThrow(/Conv2D.kernelSize/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 1, padding: 'full' as never })).toThrow(
      /Conv2D.padding.*'valid', 'same'/,
    );
    expect(
      () =>
        new Conv2D({
          filters: 2,
          kernelSize: 1,
          padding: [
            [1, -1],
            [0, 0],
          ],
        }),
    ).toThrow(/Conv2D.padding\[0\]\[1\]/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 1, bogus: 1 } as never)).toThrow(
      /unknown field 'bogus'/,
    );

    const grouped = new Conv2D({ filters: 4, kernelSize: 1, groups: 2, name: 'g' });
    expect(() => grouped.build([4, 4, 3])).toThrow(/layer 'g'.*input channels \(3\).*groups \(2\)/);
    const big = new Conv2D({
      filters: 1,
      kernelSize: [5, 5],
      padding: [
        [1, 0],
        [0, 0],
      ],
      name: 'big',
    });
    expect(() => big.build([3, 8, 1])).toThrow(/layer 'big' \(rows\).*extent 5.*size 3 padded to 4/);
    expect(() => big.build([8, 8])).toThrow(/rank 3/);
    const layer = new Conv2D({ filters: 2, kernelSize: 2, name: 'k', dtype: 'float64' });
    expect(() =>
      layer.call(
        f64(new Float64Array(9), [1, 3, 3, 1]),
        { kernel: f64(new Float64Array(8), [2, 1, 2, 2]) },
        INFERENCE,
      ),
    ).toThrow(/kernel has shape \[2,1,2,2\], expected \[2,2,1,2\].*HWIO/);
  });

  it('declares HWIO weights with in/groups channels', () => {
    const layer = new Conv2D({
      filters: 6,
      kernelSize: [3, 1],
      groups: 3,
      dataFormat: 'channelsFirst',
      kernelRegularizer: { name: 'l1', l1: 0.1 },
    });
    layer.setName('c');
    const [kernel, bias] = layer.build([9, 10, 10]);
    expect(kernel).toMatchObject({
      shape: [3, 1, 3, 6],
      trainable: true,
      regularizer: { name: 'l1', l1: 0.1 },
    });
    expect(bias).toMatchObject({ shape: [6], initializer: 'zeros' });
    expect(layer.computeOutputShape([9, 10, 10])).toEqual([6, 8, 10]);
  });
});
