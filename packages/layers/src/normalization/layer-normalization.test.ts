import { grad, Tensor } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { maxAbsDiff, numericGrad, runPython, testValues } from '../recurrent/testing.ts';
import { LayerNormalization } from './layer-normalization.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

/** torch.nn.functional.layer_norm in float64 over the trailing `normalized` dims. */
const TORCH_LN = `
import sys, json, torch
out = []
for d in json.load(sys.stdin):
    t = lambda k: torch.tensor(d[k], dtype=torch.float64)
    n = d['normalized']
    y = torch.nn.functional.layer_norm(t('x').reshape(d['shape']), n, t('gamma').reshape(n), t('beta').reshape(n), eps=d['eps'])
    out.append(y.flatten().tolist())
print(json.dumps(out))
`;

const shape = [2, 3, 4];
const x = testValues(24, 11, 3).map((v, i) => v + (i % 3));
const gammaLast = testValues(4, 12, 1).map((v) => v + 1);
const betaLast = testValues(4, 13, 0.5);
const gammaBoth = testValues(12, 14, 1).map((v) => v + 1);
const betaBoth = testValues(12, 15, 0.5);

function built(axis: number | number[], inputShape: number[], extra: object = {}): LayerNormalization {
  const layer = new LayerNormalization({ axis, dtype: 'float64', ...extra });
  layer.setName('ln');
  layer.build(inputShape);
  return layer;
}

describe('LayerNormalization', () => {
  let torch: number[][] = [];
  beforeAll(() => {
    torch = runPython(TORCH_LN, [
      { x, shape, normalized: [4], gamma: gammaLast, beta: betaLast, eps: 1e-3 },
      { x, shape, normalized: [3, 4], gamma: gammaBoth, beta: betaBoth, eps: 1e-3 },
    ]) as number[][];
  }, 120_000);

  it('axis -1 matches torch layer_norm (float64)', () => {
    const layer = built(-1, [3, 4]);
    expect(layer.weightSpecs.map((w) => [w.name, w.shape])).toEqual([
      ['gamma', [4]],
      ['beta', [4]],
    ]);
    const y = layer.call(f64(x, shape), { gamma: f64(gammaLast, [4]), beta: f64(betaLast, [4]) }, INFERENCE);
    expect(maxAbsDiff(y.toArray(), torch[0]!)).toBeLessThan(1e-13);
  });

  it('axis [1, 2] (= [-2, -1]) matches torch layer_norm over the trailing two dims', () => {
    const layer = built([2, -2], [3, 4]);
    expect(layer.weightSpecs[0]!.shape).toEqual([3, 4]);
    const y = layer.call(
      f64(x, shape),
      { gamma: f64(gammaBoth, [3, 4]), beta: f64(betaBoth, [3, 4]) },
      INFERENCE,
    );
    expect(maxAbsDiff(y.toArray(), torch[1]!)).toBeLessThan(1e-13);
  });

  it('a non-trailing axis normalizes each column (closed form)', () => {
    // [1, 2, 2] per sample, axis 1: columns (1, 3) and (2, 6). Means 2 and 4, biased
    // variances 1 and 4; ε = 0 would give ±1, with ε = 1e-3 it is ±1/√(v + ε).
    const layer = built(1, [2, 2], { center: false, scale: false });
    expect(layer.weightSpecs).toEqual([]);
    const y = layer.call(f64([1, 2, 3, 6], [1, 2, 2]), {}, INFERENCE);
    const a = 1 / Math.sqrt(1 + 1e-3);
    const b = 2 / Math.sqrt(4 + 1e-3);
    expect(maxAbsDiff(y.toArray(), [-a, -b, a, b])).toBeLessThan(1e-15);
  });

  it('gradients (x, gamma, beta) match float64 central differences', () => {
    const layer = built(-1, [3, 4]);
    const coeffs = f64(testValues(24, 16), shape);
    const run = (xt: Tensor, g: Tensor, b: Tensor) =>
      layer.call(xt, { gamma: g, beta: b }, INFERENCE).mul(coeffs).sum();
    const [xt, g, b] = [f64(x, shape), f64(gammaLast, [4]), f64(betaLast, [4])];
    const [gx, gg, gb] = grad(run(xt, g, b), [xt, g, b]);
    expect(
      maxAbsDiff(
        gx!.toArray(),
        numericGrad((v) => run(f64(v, shape), g, b).item(), x),
      ),
    ).toBeLessThan(1e-8);
    expect(
      maxAbsDiff(
        gg!.toArray(),
        numericGrad((v) => run(xt, f64(v, [4]), b).item(), gammaLast),
      ),
    ).toBeLessThan(1e-8);
    expect(
      maxAbsDiff(
        gb!.toArray(),
        numericGrad((v) => run(xt, g, f64(v, [4])).item(), betaLast),
      ),
    ).toBeLessThan(1e-8);
  });

  it('round-trips its config (single axis and list)', () => {
    for (const options of [{ name: 'ln' }, { axis: [1, 2], epsilon: 1e-5, center: false, name: 'ln2' }]) {
      const config = new LayerNormalization(options).getConfig();
      expect(new LayerNormalization(config as never).getConfig()).toEqual(config);
    }
    expect(new LayerNormalization().getConfig()).toEqual({
      axis: -1,
      epsilon: 1e-3,
      center: true,
      scale: true,
      dtype: 'float32',
    });
  });

  it('refuses bad axes and inputs', () => {
    expect(() => new LayerNormalization({ axis: [] })).toThrow(
      /LayerNormalization.axis: needs at least one axis/,
    );
    expect(() => new LayerNormalization({ axis: [1, 'x'] as never })).toThrow(/LayerNormalization.axis\[1\]/);
    expect(() => built([1, -2], [3, 4])).toThrow(/repeat an axis/);
    expect(() => built(0, [3, 4])).toThrow(/axis 0 is not a feature axis/);
    const layer = built(-1, [3, 4]);
    expect(() =>
      layer.call(f64(x, [6, 4]), { gamma: f64(gammaLast, [4]), beta: f64(betaLast, [4]) }, INFERENCE),
    ).toThrow(/expected inputs \[batch, 3, 4\], got \[6, 4\]/);
  });
});
