import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { compareOutputs } from './compare.ts';

const t = (values: number[]) => Tensor.fromData(Float64Array.from(values), [values.length], 'float64');

describe('compareOutputs', () => {
  it('measures absolute and relative error and locates the worst element', () => {
    const d = compareOutputs([t([1, 2.5, 100.01])], [t([1, 2, 100])], ['y'], 1e-4);
    expect(d.maxAbs).toBeCloseTo(0.5, 12);
    expect(d.maxRel).toBeCloseTo(0.25, 12);
    expect(d.worst).toEqual({ output: 'y', index: 1, got: 2.5, want: 2 });
    expect(d.count).toBe(3);
    expect(d.ok).toBe(false);
  });

  it('passes within tolerance · (1 + |want|)', () => {
    expect(compareOutputs([t([1000.05])], [t([1000])], ['y'], 1e-4).ok).toBe(true);
    expect(compareOutputs([t([0.0002])], [t([0])], ['y'], 1e-4).ok).toBe(false);
  });

  it('treats NaN as equal to NaN and any other non-finite mismatch as infinite error', () => {
    expect(compareOutputs([t([Number.NaN])], [t([Number.NaN])], ['y'], 0).ok).toBe(true);
    const d = compareOutputs([t([Number.POSITIVE_INFINITY])], [t([1])], ['y'], 1e-4);
    expect(d.maxAbs).toBe(Number.POSITIVE_INFINITY);
    expect(d.ok).toBe(false);
  });

  it('refuses different shapes and output counts', () => {
    expect(() => compareOutputs([t([1, 2])], [t([1])], ['y'], 1)).toThrow(
      /shape \[2\] after conversion, \[1\] before/,
    );
    expect(() => compareOutputs([], [t([1])], [], 1)).toThrow(/0 outputs, the original 1/);
  });
});
