import { expect } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { ReptileError } from '../errors.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Asserts that `run` throws a ReptileError whose message contains every fragment. */
export function expectReptileError(run: () => unknown, ...fragments: string[]): void {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ReptileError);
  for (const f of fragments) expect((error as Error).message).toContain(f);
}

export function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(
      tol * Math.max(1, Math.abs(expected[i]!)),
    );
  }
}

/**
 * Compares autodiff's gradient of the scalar `f(x)` with float64 central differences around
 * `x0` (step 1e-6, so agreement to ~1e-7 is expected away from kinks).
 */
export function expectGradMatchesFiniteDifferences(
  f: (x: Tensor) => Tensor,
  x0: readonly number[],
  shape: readonly number[],
  tol = 1e-6,
): void {
  const x = Tensor.fromData(x0, shape, 'float64');
  const [g] = grad(f(x), [x]);
  const h = 1e-6;
  const numeric = x0.map((_, i) => {
    const at = (delta: number) => {
      const shifted = [...x0];
      shifted[i]! += delta;
      return f(Tensor.fromData(shifted, shape, 'float64')).item();
    };
    return (at(h) - at(-h)) / (2 * h);
  });
  expectClose(g!.toArray(), numeric, tol);
}
