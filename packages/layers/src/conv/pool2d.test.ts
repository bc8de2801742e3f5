import { grad, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { CONV_LAYERS } from './index.ts';
import { nchwToNhwc, nhwcToNchw } from './layout.ts';
import { AvgPool2D, MaxPool2D, type Pool2DOptions } from './pool2d.ts';
import { type NaiveImage, naivePool, randomArray } from './testing/naive.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tol * (1 + Math.abs(expected[i]!))) {
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

describe('MaxPool2D and AvgPool2D', () => {
  // 4×4 image 1..16 in row-major order, one channel
  const x = f64(
    Array.from({ length: 16 }, (_, i) => i + 1),
    [1, 4, 4, 1],
  );

  it('pool non-overlapping 2×2 windows by default (strides = poolSize)', () => {
    expect(new MaxPool2D({ poolSize: 2 }).call(x, {}, INFERENCE).toArray()).toEqual([6, 8, 14, 16]);
    // means of {1,2,5,6}, {3,4,7,8}, ...
    expect(new AvgPool2D({ poolSize: [2, 2] }).call(x, {}, INFERENCE).toArray()).toEqual([
      3.5, 5.5, 11.5, 13.5,
    ]);
  });

  it("'same' averaging excludes padded cells and max padding never wins", () => {
    // 3×3 windows, stride 2 on 4×4: SAME total pad 1, all after. Windows cover rows {0,1,2}, {2,3}.
    const avg = new AvgPool2D({ poolSize: 3, strides: 2, padding: 'same' });
    // (0,0): rows 0-2 × cols 0-2 → mean of 1,2,3,5,6,7,9,10,11 = 6
    // (0,1): rows 0-2 × cols 2-3 → mean of 3,4,7,8,11,12 = 7.5
    // (1,0): rows 2-3 × cols 0-2 → mean of 9,10,11,13,14,15 = 12
    // (1,1): rows 2-3 × cols 2-3 → mean of 11,12,15,16 = 13.5
    expect(avg.call(x, {}, INFERENCE).toArray()).toEqual([6, 7.5, 12, 13.5]);
    const negative = x.neg();
    // all inputs negative: a zero-padded max would return 0 on the edge windows
    const max = new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' });
    expect(max.call(negative, {}, INFERENCE).toArray()).toEqual([-1, -3, -9, -11]);
  });

  it('match the direct loops on random configurations', () => {
    const config = fc.record({
      max: fc.boolean(),
      batch: fc.integer({ min: 1, max: 2 }),
      height: fc.integer({ min: 1, max: 6 }),
      width: fc.integer({ min: 1, max: 6 }),
      channels: fc.integer({ min: 1, max: 3 }),
      pool: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      strides: fc.option(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), {
        nil: undefined,
      }),
      padding: fc.oneof(
        fc.constant('valid' as const),
        fc.constant('same' as const),
        fc.tuple(
          fc.tuple(fc.nat({ max: 1 }), fc.nat({ max: 1 })),
          fc.tuple(fc.nat({ max: 1 }), fc.nat({ max: 1 })),
        ),
      ),
      channelsFirst: fc.boolean(),
      seed: fc.nat(),
    });
    let checked = 0;
    fc.assert(
      fc.property(config, (c) => {
        const strides = c.strides ?? c.pool;
        // explicit pads stay below the pool size, so every window holds a real cell
        const explicit: number[][] | undefined =
          typeof c.padding === 'string'
            ? undefined
            : c.padding.map(([a, b], i) => [Math.min(a, c.pool[i]! - 1), Math.min(b, c.pool[i]! - 1)]);
        const padding = explicit ?? (c.padding as 'valid' | 'same');
        const same = (size: number, k: number, s: number): [number, number] => {
          const total = Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
          return [Math.floor(total / 2), total - Math.floor(total / 2)];
        };
        const pads =
          c.padding === 'valid'
            ? [
                [0, 0],
                [0, 0],
              ]
            : c.padding === 'same'
              ? [same(c.height, c.pool[0], strides[0]), same(c.width, c.pool[1], strides[1])]
              : explicit!;
        const options: Pool2DOptions = {
          poolSize: c.pool,
          ...(c.strides ? { strides: c.strides as [number, number] } : {}),
          padding: padding as NonNullable<Pool2DOptions['padding']>,
          dataFormat: c.channelsFirst ? 'channelsFirst' : 'channelsLast',
        };
        const layer = c.max ? new MaxPool2D(options) : new AvgPool2D(options);
        const image: NaiveImage = {
          data: randomArray(c.batch * c.height * c.width * c.channels, c.seed),
          shape: [c.batch, c.height, c.width, c.channels],
        };
        const nhwc = f64(image.data, [...image.shape]);
        const input = c.channelsFirst ? nhwcToNchw(nhwc) : nhwc;
        if (
          c.pool[0] > c.height + pads[0]![0]! + pads[0]![1]! ||
          c.pool[1] > c.width + pads[1]![0]! + pads[1]![1]!
        ) {
          expect(() => layer.call(input, {}, INFERENCE)).toThrow(/does not fit/);
          return;
        }
        const expected = naivePool(image, c.max ? 'max' : 'avg', {
          kernel: c.pool,
          strides,
          dilation: [1, 1],
          pads: pads as [number, number][],
        });
        const out = layer.call(input, {}, INFERENCE);
        expect(out.shape).toEqual([c.batch, ...layer.computeOutputShape(input.shape.slice(1))]);
        const asNhwc = c.channelsFirst ? nchwToNhwc(out) : out;
        expect(asNhwc.shape).toEqual([...expected.shape]);
        expectClose(asNhwc.toArray(), expected.data);
        checked++;
      }),
      { numRuns: 150, seed: 7 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it('input gradients match float64 central differences', () => {
    const shape = [2, 5, 4, 3];
    const data = randomArray(2 * 5 * 4 * 3, 5);
    for (const layer of [
      new MaxPool2D({ poolSize: [3, 2], strides: [2, 1], padding: 'same', dataFormat: 'channelsFirst' }),
      new AvgPool2D({ poolSize: [3, 2], strides: [2, 1], padding: 'same', dataFormat: 'channelsFirst' }),
    ]) {
      const outShape = [2, ...layer.computeOutputShape(shape.slice(1))];
      const probe = f64(
        randomArray(
          outShape.reduce((a, b) => a * b),
          6,
        ),
        outShape,
      );
      const loss = (v: Float64Array) => layer.call(f64(v, shape), {}, INFERENCE).mul(probe).sum();
      const xt = f64(data, shape);
      const [g] = grad(layer.call(xt, {}, INFERENCE).mul(probe).sum(), [xt]);
      const eps = 1e-6;
      // random data has no ties, so the max is differentiable at this point
      const numeric = Array.from(data, (_, i) => {
        const plus = Float64Array.from(data);
        const minus = Float64Array.from(data);
        plus[i]! += eps;
        minus[i]! -= eps;
        return (loss(plus).item() - loss(minus).item()) / (2 * eps);
      });
      expectClose(g!.toArray(), numeric, 1e-7);
    }
  });

  it('round-trip their configs through the registry', () => {
    for (const [className, options] of [
      ['MaxPool2D', { name: 'mp', poolSize: [3, 2], padding: 'same', dataFormat: 'channelsFirst' }],
      [
        'AvgPool2D',
        {
          poolSize: 2,
          strides: [1, 1],
          padding: [
            [1, 0],
            [0, 1],
          ],
        },
      ],
    ] as const) {
      const layer = CONV_LAYERS[className]!(options as never);
      const config = layer.getConfig();
      expect(CONV_LAYERS[className]!(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(config);
    }
    expect(new MaxPool2D({ poolSize: [3, 2] }).getConfig()).toEqual({
      poolSize: [3, 2],
      strides: [3, 2],
      padding: 'valid',
      dataFormat: 'channelsLast',
    });
  });

  it('refuse bad options and inputs', () => {
    expect(() => new MaxPool2D({ dataFormat: 'nhwc' as never })).toThrow(/MaxPool2D.dataFormat/);
    expect(() => new AvgPool2D({ poolSize: [2, 0] })).toThrow(/AvgPool2D.poolSize\[1\]/);
    expect(() => new AvgPool2D({ rate: 2 } as never)).toThrow(/unknown field 'rate'/);
    const big = new MaxPool2D({ poolSize: 5, name: 'mp' });
    expect(() => big.computeOutputShape([4, 8, 1])).toThrow(/layer 'mp' \(rows\).*does not fit/);
    const empty = new AvgPool2D({
      poolSize: 2,
      padding: [
        [2, 0],
        [0, 0],
      ],
      name: 'ap',
    });
    expect(() => empty.computeOutputShape([4, 4, 1])).toThrow(/layer 'ap'.*no input cells/);
    expect(() => new MaxPool2D().call(f64([1, 2, 3, 4], [1, 2, 2]), {}, INFERENCE)).toThrow(/rank 3/);
  });
});
