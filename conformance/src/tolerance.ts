import type { Tolerance } from './case.ts';
import type { HostTensor } from './host-tensor.ts';

/**
 * The closeness rule every adapter is judged by (numpy.isclose, asymmetric in `expected`):
 * |got − expected| ≤ atol + rtol·|expected| elementwise; NaN expected matches only NaN, an
 * expected ±Inf matches only the same infinity, and a non-finite got never matches a finite value.
 */
export function isClose(got: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(got);
  if (!Number.isFinite(expected)) return got === expected;
  if (!Number.isFinite(got)) return false;
  return Math.abs(got - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

/** Errors of one element; a NaN/Inf mismatch counts as an infinite error, a match as zero. */
export function elementErrors(got: number, expected: number): { abs: number; rel: number } {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    const same = Number.isNaN(expected) ? Number.isNaN(got) : got === expected;
    return same ? { abs: 0, rel: 0 } : { abs: Number.POSITIVE_INFINITY, rel: Number.POSITIVE_INFINITY };
  }
  if (!Number.isFinite(got)) return { abs: Number.POSITIVE_INFINITY, rel: Number.POSITIVE_INFINITY };
  const abs = Math.abs(got - expected);
  const rel = abs === 0 ? 0 : expected === 0 ? Number.POSITIVE_INFINITY : abs / Math.abs(expected);
  return { abs, rel };
}

function toleranceRatio(absErr: number, expected: number, tol: Tolerance): number {
  if (absErr === 0) return 0;
  const allowed = Number.isFinite(expected) ? tol.atol + tol.rtol * Math.abs(expected) : 0;
  return allowed === 0 ? Number.POSITIVE_INFINITY : absErr / allowed;
}

export interface Comparison {
  readonly ok: boolean;
  readonly maxAbsErr: number;
  readonly maxRelErr: number;
  /** The first mismatch, naming the value's path and flat index; undefined when ok. */
  readonly reason?: string;
}

/** Accumulates errors over every value of a case, keeping the first mismatch for the report. */
export class Comparer {
  private maxAbs = 0;
  private maxRel = 0;
  private maxTol = 0;
  private firstMismatch: string | undefined;

  constructor(private readonly tol: Tolerance) {}

  tensor(path: string, got: HostTensor | undefined, expected: HostTensor): void {
    if (got === undefined) {
      this.mismatch(`${path}: missing from the adapter's result`);
      return;
    }
    if (got.shape.length !== expected.shape.length || got.shape.some((d, i) => d !== expected.shape[i])) {
      this.mismatch(`${path}: shape [${got.shape.join(',')}], expected [${expected.shape.join(',')}]`);
      return;
    }
    this.values(path, got.data, expected.data);
  }

  tensors(path: string, got: readonly HostTensor[] | undefined, expected: readonly HostTensor[]): void {
    if (got?.length !== expected.length) {
      this.mismatch(`${path}: ${got?.length ?? 0} tensors, expected ${expected.length}`);
      return;
    }
    expected.forEach((e, i) => {
      this.tensor(`${path}[${i}]`, got[i], e);
    });
  }

  values(path: string, got: ArrayLike<number>, expected: ArrayLike<number>): void {
    if (got.length !== expected.length) {
      this.mismatch(`${path}: ${got.length} values, expected ${expected.length}`);
      return;
    }
    for (let i = 0; i < expected.length; i++) {
      const g = got[i]!;
      const e = expected[i]!;
      const { abs, rel } = elementErrors(g, e);
      this.maxAbs = Math.max(this.maxAbs, abs);
      this.maxRel = Math.max(this.maxRel, rel);
      this.maxTol = Math.max(this.maxTol, toleranceRatio(abs, e, this.tol));
      if (this.firstMismatch === undefined && !isClose(g, e, this.tol)) {
        this.firstMismatch =
          `${path}[${i}]: got ${g}, expected ${e} ` +
          `(|err| ${abs.toPrecision(3)} > atol ${this.tol.atol} + rtol ${this.tol.rtol}·|expected|)`;
      }
    }
  }

  /**
   * The largest |got − expected| / (atol + rtol·|expected|) so far: ≤ 1 exactly when every finite
   * value is close, so the HTML report can shade a cell by how near it came to failing.
   */
  toleranceRatio(): number {
    return this.maxTol;
  }

  result(): Comparison {
    const base = { ok: this.firstMismatch === undefined, maxAbsErr: this.maxAbs, maxRelErr: this.maxRel };
    return this.firstMismatch === undefined ? base : { ...base, reason: this.firstMismatch };
  }

  /** Records a structural mismatch (wrong count or shape): the error is infinite. */
  mismatch(reason: string): void {
    this.maxAbs = Number.POSITIVE_INFINITY;
    this.maxRel = Number.POSITIVE_INFINITY;
    this.maxTol = Number.POSITIVE_INFINITY;
    this.firstMismatch ??= reason;
  }
}
