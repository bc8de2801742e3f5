import type { Tolerance } from '../case.ts';
import type { CaseResult } from '../runner.ts';

/**
 * What one matrix cell shows. `xfail` is a case run and failing as its known list expects (the
 * runner reports it as a skip); `missing` is a case × adapter pair with no result at all.
 */
export type CellStatus = 'pass' | 'fail' | 'skip' | 'xfail' | 'missing';

export const CELL_STATUSES: readonly CellStatus[] = ['pass', 'fail', 'skip', 'xfail', 'missing'];

/**
 * Error bands over the tolerance ratio r = max |err| / (atol + rtol·|expected|). Passing cells
 * (r ≤ 1) get bands 0–4 and failing ones 5–7, so a pass that barely made it and a fail that
 * barely missed look different from an exact match and a wild miss. Bounds are decades because
 * frontends differ from the float64 reference by orders of magnitude (float32 ≈ 1e-7 relative).
 */
export interface Band {
  readonly index: number;
  /** Inclusive upper bound of r. */
  readonly upTo: number;
  readonly label: string;
}

export const BANDS: readonly Band[] = [
  { index: 0, upTo: 0, label: 'exact (r = 0)' },
  { index: 1, upTo: 1e-3, label: 'r ≤ 0.001' },
  { index: 2, upTo: 1e-2, label: 'r ≤ 0.01' },
  { index: 3, upTo: 0.1, label: 'r ≤ 0.1' },
  { index: 4, upTo: 1, label: 'r ≤ 1 (near tolerance)' },
  { index: 5, upTo: 10, label: '1 < r ≤ 10' },
  { index: 6, upTo: 1e3, label: '10 < r ≤ 1000' },
  { index: 7, upTo: Number.POSITIVE_INFINITY, label: 'r > 1000, NaN or shape mismatch' },
];

export interface Cell {
  readonly status: CellStatus;
  /** Index into BANDS; undefined when the case did not run. */
  readonly band?: number;
  /** Short text drawn in the cell, so the matrix reads without colour too. */
  readonly text: string;
  /** Tooltip: status, errors, tolerance ratio and any reason. */
  readonly title: string;
}

/** The band of a tolerance ratio; NaN (which cannot come from the runner) counts as the worst. */
export function bandOf(ratio: number): number {
  if (Number.isNaN(ratio)) return BANDS.length - 1;
  return BANDS.find((b) => ratio <= b.upTo)!.index;
}

export function cellStatus(r: CaseResult | undefined): CellStatus {
  if (!r) return 'missing';
  if (r.status === 'skip') return r.known === 'xfail' ? 'xfail' : 'skip';
  return r.status;
}

/** Formats an error for people: 0, 3 significant digits, or inf. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : 'inf';
  return Math.abs(x) >= 1e-2 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

const SYMBOL: Record<CellStatus, string> = { pass: '✓', fail: '✗', skip: '', xfail: 'xfail', missing: '' };

export function buildCell(r: CaseResult | undefined, tolerance: Tolerance, names: string): Cell {
  const status = cellStatus(r);
  const lines = [`${names}: ${status.toUpperCase()}`];
  if (!r) return { status, text: '–', title: `${lines[0]} (no result: the adapter did not run this case)` };
  const ratio = r.toleranceRatio;
  if (r.maxAbsErr !== null) {
    lines.push(`max |err| ${formatNumber(r.maxAbsErr)}, max relative err ${formatNumber(r.maxRelErr)}`);
  }
  if (ratio !== undefined) lines.push(`${formatNumber(ratio)} × tolerance`);
  lines.push(`tolerance: rtol ${tolerance.rtol}, atol ${tolerance.atol}`);
  if (r.reason) lines.push(r.reason);
  const text =
    status === 'skip' || ratio === undefined ? status : `${SYMBOL[status]} ${formatNumber(ratio)}×`;
  return { status, ...(ratio === undefined ? {} : { band: bandOf(ratio) }), text, title: lines.join('\n') };
}
