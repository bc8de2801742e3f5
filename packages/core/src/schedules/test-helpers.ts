import { expect } from 'vitest';
import { ReptileError } from '../errors.ts';
import { scheduleFromConfig } from './index.ts';

/** Asserts that building `config` throws a ReptileError whose message mentions `path`. */
export function expectConfigError(config: unknown, path: string): void {
  let error: unknown;
  try {
    scheduleFromConfig(config, 'lr');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ReptileError);
  expect((error as ReptileError).message).toContain(path);
}

/** Values of the schedule built from `config` at each step. */
export function valuesAt(config: unknown, steps: readonly number[]): number[] {
  const s = scheduleFromConfig(config, 'lr');
  return steps.map((k) => s(k));
}

export function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]!), `index ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  });
}
