import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { DType } from '../dtype.ts';
import { Tensor } from '../tensor/tensor.ts';

/**
 * Test support: reads conformance/cases/<kind>/*.json (docs/conformance-cases.md) so the core
 * unit tests replay the PyTorch-computed cases directly, without depending on the conformance
 * package.
 */
export interface TensorJson {
  readonly shape: number[];
  readonly data: number[];
  readonly dtype?: DType;
}

export interface ToleranceJson {
  readonly rtol: number;
  readonly atol: number;
}

const CASES = fileURLToPath(new URL('../../../../conformance/cases/', import.meta.url));

export function readCases<T extends { name: string }>(kind: string): T[] {
  const dir = join(CASES, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
}

export function tensorOf(t: TensorJson): Tensor {
  return Tensor.fromData(t.data, t.shape, t.dtype ?? 'float32');
}

/** |got − expected| ≤ atol + rtol·|expected| elementwise, with exactly matching shapes. */
export function expectWithin(got: Tensor, expected: TensorJson, tol: ToleranceJson, what: string): void {
  expect(got.shape, `${what} shape`).toEqual(expected.shape);
  const values = got.toArray();
  expected.data.forEach((e, i) => {
    const bound = tol.atol + tol.rtol * Math.abs(e);
    expect(Math.abs(values[i]! - e), `${what}[${i}]: got ${values[i]}, expected ${e}`).toBeLessThanOrEqual(
      bound,
    );
  });
}
