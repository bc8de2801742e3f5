import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import {
  expectClose,
  expectGradMatchesFiniteDifferences,
  expectReptileError,
} from '../losses/test-helpers.ts';
import { Tensor } from '../tensor/tensor.ts';
import { REGULARIZER_NAMES, regularizerFromConfig } from './index.ts';

const w = () => Tensor.fromData([1, -2, 0], [3], 'float64');

describe('regularizers (Keras penalties)', () => {
  it('l1: λ·Σ|w| with gradient λ·sign(w), 0 at w = 0', () => {
    // 0.1·(1 + 2 + 0) = 0.3
    const x = w();
    const p = regularizerFromConfig({ name: 'l1', l1: 0.1 }).penalty(x);
    expectClose([p.item()], [0.3], 1e-12);
    expectClose(grad(p, [x])[0]!.toArray(), [0.1, -0.1, 0], 1e-12);
  });

  it('l2: λ·Σw² with gradient 2λw', () => {
    // 0.1·(1 + 4 + 0) = 0.5
    const x = w();
    const p = regularizerFromConfig({ name: 'l2', l2: 0.1 }).penalty(x);
    expectClose([p.item()], [0.5], 1e-12);
    expectClose(grad(p, [x])[0]!.toArray(), [0.2, -0.4, 0], 1e-12);
  });

  it('l1l2: both, with defaults 0.01', () => {
    // 0.01·3 + 0.01·5 = 0.08
    expectClose([regularizerFromConfig({ name: 'l1l2' }).penalty(w()).item()], [0.08], 1e-12);
    expect(regularizerFromConfig({ name: 'l1l2', l1: 0.5 }).config).toEqual({
      name: 'l1l2',
      l1: 0.5,
      l2: 0.01,
    });
  });

  it.each(REGULARIZER_NAMES)(
    '%s: gradient matches finite differences; scalar in the weights’ dtype',
    (name) => {
      const r = regularizerFromConfig({ name });
      expectGradMatchesFiniteDifferences((x) => r.penalty(x), [0.5, -1.5, 2, -0.25], [2, 2]);
      const p = r.penalty(Tensor.ones([2, 2]));
      expect(p.shape).toEqual([]);
      expect(p.dtype).toBe('float32');
    },
  );

  it.each(REGULARIZER_NAMES)('%s: config round-trips through JSON', (name) => {
    const a = regularizerFromConfig({ name });
    const b = regularizerFromConfig(JSON.parse(JSON.stringify(a.config)));
    expect(b.config).toEqual(a.config);
    expect(Object.isFrozen(a.config)).toBe(true);
  });

  it('penalties are ≥ 0 and l1l2 = l1 + l2', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (data) => {
          const x = Tensor.fromData(data, [data.length], 'float64');
          const a = regularizerFromConfig({ name: 'l1', l1: 0.3 }).penalty(x).item();
          const b = regularizerFromConfig({ name: 'l2', l2: 0.7 }).penalty(x).item();
          const c = regularizerFromConfig({ name: 'l1l2', l1: 0.3, l2: 0.7 }).penalty(x).item();
          expect(a).toBeGreaterThanOrEqual(0);
          expect(b).toBeGreaterThanOrEqual(0);
          expectClose([c], [a + b], 1e-12);
        },
      ),
    );
  });

  it('validates configs and weights', () => {
    expectReptileError(() => regularizerFromConfig({ name: 'l1', l1: -0.1 }), 'regularizer.l1');
    expectReptileError(() => regularizerFromConfig({ name: 'l2', l2: '0.1' }), 'regularizer.l2');
    expectReptileError(
      () => regularizerFromConfig({ name: 'l2', l1: 0.1 }),
      'regularizer.l1',
      'allowed fields',
    );
    expectReptileError(
      () => regularizerFromConfig({ name: 'l3' }, 'layer.kernelRegularizer'),
      'layer.kernelRegularizer.name',
    );
    expectReptileError(() => regularizerFromConfig(0.01), 'regularizer');
    expectReptileError(
      () => regularizerFromConfig({ name: 'l1' }).penalty(Tensor.ones([2], 'int32')),
      'float32 or float64',
    );
  });
});
