import { fail } from './errors.ts';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/**
 * NumPy broadcasting: shapes are aligned at their last axis; each pair of dims must be equal or
 * one of them 1, and the result takes the larger. Missing leading dims count as 1.
 */
export function broadcastShapes(a: Shape, b: Shape, where = 'broadcast'): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(`shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (axis ${i}: ${da} vs ${db})`, {
        where,
        hint: 'dims must be equal or 1 when aligned from the right; reshape or expand one operand',
      });
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative axis for a tensor of rank `rank`. */
export function normalizeAxis(axis: number, rank: number, where: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    fail(`axis ${axis} is out of range for rank ${rank}`, {
      where,
      hint: `use an integer in [${-rank}, ${rank - 1}]`,
    });
  }
  return axis < 0 ? axis + rank : axis;
}

export function checkShape(shape: Shape, where: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      fail(`invalid shape ${formatShape(shape)}`, { where, hint: 'dims must be non-negative integers' });
    }
  }
}
