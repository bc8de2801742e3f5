import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.ts';
import { addDecayedWeights } from './add-decayed-weights.ts';
import { clipByGlobalNorm, clipByValue } from './clip.ts';
import { scaleByLearningRate } from './scale-by-learning-rate.ts';
import { scaleByTrustRatio } from './scale-by-trust-ratio.ts';
import { traceMomentum } from './trace-momentum.ts';
import { chain, type GradientTransformation, stepContext } from './transform.ts';

const f64 = (v: number[]) => Tensor.fromData(v, [v.length], 'float64');

function apply<S>(t: GradientTransformation<S>, updates: Tensor[], params = updates, step = 1, lr = 0.1) {
  return t.update(updates, t.init(params), params, stepContext(step, lr)).updates.map((u) => u.toArray());
}

describe('building blocks', () => {
  it('chain runs left to right: (u + wd·p)·(−lr)', () => {
    // u = 2, p = 10, wd 0.5 → (2 + 5)·(−0.1) = −0.7
    const t = chain(addDecayedWeights(0.5), scaleByLearningRate());
    expect(apply(t, [f64([2])], [f64([10])])[0]![0]).toBeCloseTo(-0.7, 15);
  });

  it('clipByGlobalNorm scales all tensors by one factor so the global norm is maxNorm', () => {
    // ‖[3, 4, 12]‖ = 13 → factor 6.5/13 = 0.5
    expect(apply(clipByGlobalNorm(6.5), [f64([3, 4]), f64([12])])).toEqual([[1.5, 2], [6]]);
    expect(apply(clipByGlobalNorm(20), [f64([3, 4]), f64([12])])).toEqual([[3, 4], [12]]);
    expect(() => clipByGlobalNorm(0)).toThrow(/maxNorm must be a finite number > 0/);
  });

  it('clipByGlobalNorm never exceeds maxNorm and never grows updates (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        (values, maxNorm) => {
          const [out] = apply(clipByGlobalNorm(maxNorm), [f64(values)]);
          expect(Math.hypot(...out!)).toBeLessThanOrEqual(maxNorm * (1 + 1e-12) + 1e-300);
          out!.forEach((v, i) => {
            expect(Math.abs(v)).toBeLessThanOrEqual(Math.abs(values[i]!) * (1 + 1e-12));
          });
        },
      ),
    );
  });

  it('clipByValue clamps elementwise', () => {
    expect(apply(clipByValue(-1, 2), [f64([-3, 0.5, 7])])).toEqual([[-1, 0.5, 2]]);
    expect(() => clipByValue(1, 0)).toThrow(/min 1 exceeds max 0/);
  });

  it('scaleByTrustRatio: ‖p‖/‖u‖, or 1 when either norm is 0', () => {
    // ‖p‖ = 5, ‖u‖ = 10 → ×0.5
    expect(apply(scaleByTrustRatio(), [f64([6, 8])], [f64([3, 4])])).toEqual([[3, 4]]);
    expect(apply(scaleByTrustRatio(), [f64([6, 8])], [f64([0, 0])])).toEqual([[6, 8]]);
    expect(apply(scaleByTrustRatio(), [f64([0, 0])], [f64([3, 4])])).toEqual([[0, 0]]);
  });

  it('traceMomentum is linear in the gradients (what makes synchronous ZooKeeper momentum exact)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 3, maxLength: 3 }),
        (a, b) => {
          // Quarter-integers and μ = 0.5 keep all arithmetic exact in float64.
          const t = traceMomentum({ momentum: 0.5 });
          const run = (gs: number[]) => {
            let s = t.init([f64([0])]);
            const outs: number[] = [];
            gs.forEach((g, i) => {
              const o = t.update([f64([g / 4])], s, [f64([0])], stepContext(i + 1, 0.1));
              s = o.state;
              outs.push(o.updates[0]!.item());
            });
            return outs;
          };
          const sum = run(a.map((x, i) => x + b[i]!));
          const parts = run(a).map((x, i) => x + run(b)[i]!);
          expect(sum).toEqual(parts);
        },
      ),
    );
  });

  it('state from other params is refused with a clear message', () => {
    const t = traceMomentum({ momentum: 0.9 });
    const s = t.init([f64([1, 2])]);
    expect(() => t.update([f64([1])], s, [f64([1])], stepContext(1, 0.1))).toThrow(
      /traceMomentum\.buf: state tensor 0 is Tensor\(float64\[2\]\) but param 0 is Tensor\(float64\[1\]\)/,
    );
  });
});
