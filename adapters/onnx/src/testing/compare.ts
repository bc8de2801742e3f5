import {
  type Backend,
  type Node,
  ReferenceBackend,
  realize,
  type Tensor,
  type TypedArray,
} from '@reptile/core';
import { expect } from 'vitest';
import type { LowerOptions } from '../lower/context.ts';
import { lowerToModel } from '../lower/lower.ts';
import { CompiledGraph } from '../runtime/compiled.ts';

/**
 * Test helpers shared by the adapter's suites: run one program on the reference backend (the
 * executable spec) and on ONNX, and compare element by element. Programs are given as builders
 * so each backend sees a fresh graph (realising caches values on the nodes).
 */
export const reference = new ReferenceBackend();

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bits = new BigInt64Array(f64.buffer);

/** Distance in units in the last place (same-sign finite values); Infinity when incomparable. */
export function ulpDistance(a: number, b: number, dtype: 'float32' | 'float64'): number {
  if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b) || Math.sign(a) !== Math.sign(b))
    return a === b ? 0 : Infinity;
  if (dtype === 'float32') {
    f32[0] = a;
    const ia = f32Bits[0]!;
    f32[0] = b;
    return Math.abs(ia - f32Bits[0]!);
  }
  f64[0] = a;
  const ia = f64Bits[0]!;
  f64[0] = b;
  const d = ia - f64Bits[0]!;
  return Number(d < 0n ? -d : d);
}

/**
 * Element-by-element agreement. Exact (NaN matches NaN; +0 and −0 differ) unless `ulps` allows
 * float results that far apart — used only for transcendental functions, whose float32 results
 * onnxruntime computes in float32 while the reference rounds a float64 result.
 */
export function expectSame(got: TypedArray, want: TypedArray, label: string, ulps = 0): void {
  expect(got.constructor.name, `${label}: storage`).toBe(want.constructor.name);
  expect(got.length, `${label}: length`).toBe(want.length);
  const dtype = got instanceof Float32Array ? 'float32' : 'float64';
  const float = got instanceof Float32Array || got instanceof Float64Array;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const ok = Object.is(g, w) || (float && ulps > 0 && ulpDistance(g, w, dtype) <= ulps);
    if (!ok)
      expect(`${label}[${i}] = ${String(Object.is(g, -0) ? '-0' : g)}`).toBe(
        `${label}[${i}] = ${String(Object.is(w, -0) ? '-0' : w)}`,
      );
  }
}

/** Realises a freshly built program on `backend`. */
export function runOn(build: () => readonly Tensor[], backend: Backend): TypedArray[] {
  return realize(build(), backend);
}

/** Runs with every leaf embedded as an initializer (the export path): no graph inputs at all. */
export function runEmbedded(build: () => readonly Tensor[], options: LowerOptions = {}): TypedArray[] {
  const outputs: Node[] = build().map((t) => t.node);
  const unique = [...new Set(outputs)];
  const names = unique.map((_, i) => `y${i}`);
  const { model, origin } = lowerToModel({ outputs: unique, outputNames: names, inputs: [] }, options);
  const compiled = new CompiledGraph(
    model,
    [],
    unique.map((n, i) => ({ name: names[i]!, dtype: n.dtype, shape: n.shape })),
    origin,
  );
  const values = compiled.runSync([]);
  compiled.release();
  return outputs.map((n) => values[unique.indexOf(n)]!);
}
