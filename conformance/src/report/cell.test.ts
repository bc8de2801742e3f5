import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CaseResult } from '../runner.ts';
import { BANDS, bandOf, buildCell, cellStatus, formatNumber } from './cell.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };
const base = { case: 'c', adapter: 'a' } as const;

describe('bandOf', () => {
  it('puts each decade boundary in the lower band, and passes (r ≤ 1) below fails', () => {
    expect([0, 1e-4, 1e-3, 2e-3, 0.01, 0.1, 1, 1.0001, 10, 1000, 1001].map(bandOf)).toEqual([
      0, 1, 1, 2, 2, 3, 4, 5, 5, 6, 7,
    ]);
    expect(bandOf(Number.POSITIVE_INFINITY)).toBe(7);
    expect(bandOf(Number.NaN)).toBe(7);
    expect(BANDS.filter((b) => b.upTo <= 1).map((b) => b.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('is monotone in r', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, noNaN: true }), fc.double({ min: 0, noNaN: true }), (x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        expect(bandOf(lo)).toBeLessThanOrEqual(bandOf(hi));
      }),
    );
  });
});

describe('buildCell', () => {
  it('maps runner results to the four statuses, xfail being a skip decided by the known list', () => {
    const errs = { maxAbsErr: 1, maxRelErr: 1, toleranceRatio: 2 };
    expect(cellStatus({ ...base, status: 'pass', ...errs })).toBe('pass');
    expect(cellStatus({ ...base, status: 'fail', ...errs, known: 'xfail' })).toBe('fail');
    expect(cellStatus({ ...base, status: 'skip', ...errs, known: 'xfail' })).toBe('xfail');
    expect(cellStatus({ ...base, status: 'skip', maxAbsErr: null, maxRelErr: null, known: 'skip' })).toBe(
      'skip',
    );
    expect(cellStatus(undefined)).toBe('missing');
  });

  it('shows the ratio in the cell and the numbers and reason in the tooltip', () => {
    // |err| 5e-6 against atol 1e-6 + rtol 1e-5·|2| = 2.1e-5: r = 0.238…
    const r: CaseResult = {
      ...base,
      status: 'pass',
      maxAbsErr: 5e-6,
      maxRelErr: 2.5e-6,
      toleranceRatio: 5e-6 / 2.1e-5,
    };
    const cell = buildCell(r, TOL, 'c × a');
    expect(cell).toMatchObject({ status: 'pass', band: 4, text: '✓ 0.238×' });
    expect(cell.title.split('\n')).toEqual([
      'c × a: PASS',
      'max |err| 5.00e-6, max relative err 2.50e-6',
      '0.238 × tolerance',
      'tolerance: rtol 0.00001, atol 0.000001',
    ]);
    const skip = buildCell(
      { ...base, status: 'skip', maxAbsErr: null, maxRelErr: null, reason: 'no float64' },
      TOL,
      'c × a',
    );
    expect(skip).toEqual({
      status: 'skip',
      text: 'skip',
      title: 'c × a: SKIP\ntolerance: rtol 0.00001, atol 0.000001\nno float64',
    });
    const fail = buildCell(
      {
        ...base,
        status: 'fail',
        maxAbsErr: Infinity,
        maxRelErr: Infinity,
        toleranceRatio: Infinity,
        reason: 'threw: x',
      },
      TOL,
      'c × a',
    );
    expect(fail).toMatchObject({ status: 'fail', band: 7, text: '✗ inf×' });
    expect(fail.title).toContain('threw: x');
  });

  it('formats numbers readably', () => {
    expect([0, 0.5, 123.456, 1e-7, 12345, Infinity, Number.NaN, null].map(formatNumber)).toEqual([
      '0',
      '0.5',
      '123',
      '1.00e-7',
      '1.23e+4',
      'inf',
      'NaN',
      '–',
    ]);
  });
});
