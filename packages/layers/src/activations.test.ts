import { grad, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, activate, checkActivation, erf } from './activations.ts';

const f64 = (xs: number[]) => Tensor.fromData(xs, [xs.length], 'float64');

// Closed forms in float64, written independently of the tensor code.
const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const SELU_A = 1.6732632423543772;
const SELU_L = 1.0507009873554805;
const CLOSED: Record<string, (x: number) => number> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  leakyRelu: (x) => (x > 0 ? x : 0.01 * x),
  elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
  selu: (x) => SELU_L * (x > 0 ? x : SELU_A * (Math.exp(x) - 1)),
  sigmoid: sigma,
  tanh: Math.tanh,
  softplus: (x) => Math.log1p(Math.exp(x)),
};

describe('activations', () => {
  const xs = [-3, -1.5, -0.25, 0.3, 1, 2.5];

  for (const [name, f] of Object.entries(CLOSED)) {
    it(`${name} matches its closed form`, () => {
      const got = activate(checkActivation(name, 't'), f64(xs)).toArray();
      got.forEach((v, i) => {
        expect(v).toBeCloseTo(f(xs[i]!), 12);
      });
    });
  }

  it('gelu matches x·Φ(x) at tabulated points', () => {
    // Φ(1) = 0.8413447460685429, Φ(−1) = 0.15865525393145707, Φ(2) = 0.9772498680518208
    const got = activate('gelu', f64([1, -1, 2, 0])).toArray();
    expect(got[0]).toBeCloseTo(0.8413447460685429, 6);
    expect(got[1]).toBeCloseTo(-0.15865525393145707, 6);
    expect(got[2]).toBeCloseTo(2 * 0.9772498680518208, 6);
    expect(got[3]).toBe(0);
  });

  it('erf is odd and within 1.5e-7 of tabulated values', () => {
    // erf(0.5) = 0.5204998778130465, erf(1) = 0.8427007929497149, erf(2) = 0.9953222650189527
    const got = erf(f64([0.5, 1, 2, -1])).toArray();
    expect(Math.abs(got[0]! - 0.5204998778130465)).toBeLessThan(1.5e-7);
    expect(Math.abs(got[1]! - 0.8427007929497149)).toBeLessThan(1.5e-7);
    expect(Math.abs(got[2]! - 0.9953222650189527)).toBeLessThan(1.5e-7);
    expect(got[3]).toBeCloseTo(-got[1]!, 14);
  });

  it('softmax rows sum to 1 and match exp(x)/Σexp(x)', () => {
    const x = Tensor.fromData([1, 2, 3, 1000, 1000, 1000], [2, 3], 'float64');
    const got = activate('softmax', x).toArray();
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(got[0]).toBeCloseTo(Math.exp(1) / z, 14);
    expect(got[2]).toBeCloseTo(Math.exp(3) / z, 14);
    expect(got[3]).toBeCloseTo(1 / 3, 14);
  });

  it('gradients match float64 central differences', () => {
    const smooth = ACTIVATIONS.filter((a) => a !== 'softmax');
    fc.assert(
      fc.property(
        fc.constantFrom(...smooth),
        // stay away from the kinks at 0 where the one-sided slopes differ
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.boolean(),
        (name, magnitude, negative) => {
          const x0 = negative ? -magnitude : magnitude;
          const x = f64([x0]);
          const [g] = grad(activate(name, x).sum(), [x]);
          const h = 1e-6;
          const f = (v: number) => activate(name, f64([v])).item();
          const numeric = (f(x0 + h) - f(x0 - h)) / (2 * h);
          // gelu differentiates the erf approximation, whose slope differs by ≲ 1e-6
          expect(Math.abs(g!.item() - numeric)).toBeLessThan(name === 'gelu' ? 2e-6 : 1e-7);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects an unknown activation naming the allowed ones', () => {
    expect(() => checkActivation('swish', 'layers.Dense.activation')).toThrow(
      /layers.Dense.activation: unknown activation "swish".*'relu'/,
    );
  });
});
