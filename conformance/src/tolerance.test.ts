import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostTensor } from './host-tensor.ts';
import { Comparer, elementErrors, isClose } from './tolerance.ts';

const tol = (rtol: number, atol: number) => ({ rtol, atol });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 });

describe('isClose', () => {
  it('matches NaN expected only with NaN got', () => {
    fc.assert(fc.property(fc.double(), (got) => isClose(got, Number.NaN, tol(1, 1)) === Number.isNaN(got)));
  });

  it('matches an expected infinity only with the same infinity', () => {
    fc.assert(
      fc.property(fc.double(), (got) => {
        expect(isClose(got, Number.POSITIVE_INFINITY, tol(1, 1e300))).toBe(got === Number.POSITIVE_INFINITY);
        expect(isClose(got, Number.NEGATIVE_INFINITY, tol(1, 1e300))).toBe(got === Number.NEGATIVE_INFINITY);
      }),
    );
  });

  it('never matches a finite expectation with NaN or an infinity, however loose', () => {
    fc.assert(
      fc.property(finite, (expected) => {
        for (const got of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          expect(isClose(got, expected, tol(1e300, 1e300))).toBe(false);
        }
      }),
    );
  });

  it('accepts errors well inside atol + rtol·|expected| and rejects errors well outside', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        fc.double({ min: 0, max: 1e-2, noNaN: true }),
        fc.double({ min: 1e-12, max: 1e-2, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (expected, rtol, atol, u) => {
          const bound = atol + rtol * Math.abs(expected);
          // The perturbation must survive float64 rounding of expected + d to be a real test.
          fc.pre(bound > Math.abs(expected) * 2 ** -40);
          expect(isClose(expected + 0.5 * u * bound, expected, tol(rtol, atol))).toBe(true);
          const sign = u < 0 ? -1 : 1;
          expect(isClose(expected + sign * 2 * bound, expected, tol(rtol, atol))).toBe(false);
        },
      ),
    );
  });

  it('uses atol near zero and rtol for large values (exact binary boundaries)', () => {
    expect(isClose(1.5, 1, tol(0, 0.5))).toBe(true); // |0.5| ≤ 0.5
    expect(isClose(1.5000001, 1, tol(0, 0.5))).toBe(false);
    expect(isClose(1e-7, 0, tol(1e-5, 1e-6))).toBe(true); // rtol·0 = 0, atol carries it
    expect(isClose(2e-6, 0, tol(1e-5, 1e-6))).toBe(false);
    expect(isClose(1024 + 8, 1024, tol(2 ** -7, 0))).toBe(true); // 1024·2^-7 = 8
    expect(isClose(1024 + 8.5, 1024, tol(2 ** -7, 0))).toBe(false);
  });

  it('is asymmetric: the tolerance scales with |expected| only', () => {
    expect(isClose(0, 1e-3, tol(1, 0))).toBe(true);
    expect(isClose(1e-3, 0, tol(1, 0))).toBe(false);
  });
});

describe('elementErrors', () => {
  it('gives exact absolute and relative errors, infinite for non-finite mismatches', () => {
    expect(elementErrors(1.25, 1)).toEqual({ abs: 0.25, rel: 0.25 });
    expect(elementErrors(-3, -2)).toEqual({ abs: 1, rel: 0.5 });
    expect(elementErrors(0.5, 0)).toEqual({ abs: 0.5, rel: Number.POSITIVE_INFINITY });
    expect(elementErrors(Number.NaN, Number.NaN)).toEqual({ abs: 0, rel: 0 });
    expect(elementErrors(1, Number.NaN).abs).toBe(Number.POSITIVE_INFINITY);
    expect(elementErrors(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY)).toEqual({ abs: 0, rel: 0 });
    expect(elementErrors(Number.POSITIVE_INFINITY, 1).abs).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('Comparer', () => {
  it('reports the max errors over all tensors and the first mismatch', () => {
    const cmp = new Comparer(tol(0, 0.1));
    cmp.tensor('a', hostTensor([1, 2.0625], [2]), hostTensor([1, 2], [2], 'float64'));
    cmp.tensor('b', hostTensor([4.5], [1]), hostTensor([4], [1], 'float64'));
    const r = cmp.result();
    expect(r.ok).toBe(false);
    expect(r.maxAbsErr).toBe(0.5);
    expect(r.maxRelErr).toBe(0.125);
    expect(r.reason).toMatch(/^b\[0\]: got 4.5, expected 4/);
  });

  it('treats a shape mismatch as an infinite error naming both shapes', () => {
    const cmp = new Comparer(tol(1, 1));
    cmp.tensor('value', hostTensor([1, 2], [2]), hostTensor([1, 2], [1, 2]));
    const r = cmp.result();
    expect(r).toMatchObject({ ok: false, maxAbsErr: Number.POSITIVE_INFINITY });
    expect(r.reason).toBe('value: shape [2], expected [1,2]');
  });

  it('passes with zero error when everything matches, NaN included', () => {
    const cmp = new Comparer(tol(0, 0));
    cmp.values('s', [Number.NaN, 3, Number.NEGATIVE_INFINITY], [Number.NaN, 3, Number.NEGATIVE_INFINITY]);
    expect(cmp.result()).toEqual({ ok: true, maxAbsErr: 0, maxRelErr: 0 });
  });
});

describe('Comparer.toleranceRatio', () => {
  it('is the largest |err| / (atol + rtol·|expected|), by hand', () => {
    const cmp = new Comparer(tol(0.5, 0.25));
    // allowed: 0.25 + 0.5·2 = 1.25 and 0.25 + 0.5·0 = 0.25; errors 0.5 and 0.125.
    cmp.values('v', [2.5, 0.125], [2, 0]);
    expect(cmp.toleranceRatio()).toBeCloseTo(0.5, 15);
    expect(cmp.result().ok).toBe(true);
  });

  it('is ≤ 1 exactly when finite values are all close', () => {
    fc.assert(
      fc.property(
        finite,
        finite,
        fc.double({ min: 0, max: 1 }),
        fc.double({ min: 1e-9, max: 1 }),
        (g, e, r, a) => {
          const cmp = new Comparer(tol(r, a));
          cmp.values('v', [g], [e]);
          expect(cmp.toleranceRatio() <= 1).toBe(cmp.result().ok);
        },
      ),
    );
  });

  it('is infinite for a structural mismatch or an error with zero tolerance', () => {
    const shape = new Comparer(tol(1, 1));
    shape.values('v', [1], [1, 2]);
    expect(shape.toleranceRatio()).toBe(Number.POSITIVE_INFINITY);
    const exact = new Comparer(tol(0, 0));
    exact.values('v', [1, 2], [1, 2.5]);
    expect(exact.toleranceRatio()).toBe(Number.POSITIVE_INFINITY);
  });
});
