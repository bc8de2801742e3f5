import { fail, type Tensor } from '@reptile/core';

/** How far apart two models' outputs are, over every output and element. */
export interface Difference {
  readonly maxAbs: number;
  readonly maxRel: number;
  /** Elements compared. */
  readonly count: number;
  /** The output and flat index of the largest |a − b| / (1 + |b|), the quantity the tolerance bounds. */
  readonly worst: {
    readonly output: string;
    readonly index: number;
    readonly got: number;
    readonly want: number;
  };
  /** Whether every element satisfies |a − b| ≤ tolerance · (1 + |b|). */
  readonly ok: boolean;
}

/**
 * Compares `got` against `want` output by output (matched by position, since converters may
 * rename outputs; shapes must agree exactly). NaN equals NaN and infinities must match; any other
 * mismatch involving a non-finite value fails with an infinite error.
 */
export function compareOutputs(
  got: readonly Tensor[],
  want: readonly Tensor[],
  names: readonly string[],
  tolerance: number,
): Difference {
  if (got.length !== want.length)
    fail(`the converted model has ${got.length} outputs, the original ${want.length}`, { where: 'verify' });
  let maxAbs = 0;
  let maxRel = 0;
  let worstScore = -1;
  let worst: Difference['worst'] = { output: names[0] ?? '0', index: 0, got: 0, want: 0 };
  let count = 0;
  got.forEach((g, k) => {
    const w = want[k]!;
    const name = names[k] ?? String(k);
    if (g.shape.join(',') !== w.shape.join(','))
      fail(`output '${name}' has shape [${g.shape}] after conversion, [${w.shape}] before`, {
        where: 'verify',
      });
    const a = g.data() as ArrayLike<number>;
    const b = w.data() as ArrayLike<number>;
    for (let i = 0; i < a.length; i++) {
      const x = Number(a[i]);
      const y = Number(b[i]);
      const same = x === y || (Number.isNaN(x) && Number.isNaN(y));
      const abs = same
        ? 0
        : Number.isFinite(x) && Number.isFinite(y)
          ? Math.abs(x - y)
          : Number.POSITIVE_INFINITY;
      const rel = abs === 0 ? 0 : abs / Math.max(Math.abs(y), Number.MIN_VALUE);
      const score = abs / (1 + Math.abs(y));
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, rel);
      if (score > worstScore) {
        worstScore = score;
        worst = { output: name, index: i, got: x, want: y };
      }
      count++;
    }
  });
  return { maxAbs, maxRel, count, worst, ok: worstScore <= tolerance };
}
