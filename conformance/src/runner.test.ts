import { describe, expect, it } from 'vitest';
import { parseCase } from './case.ts';
import { NO_KNOWN } from './known.ts';
import { countResults } from './report.ts';
import { runCase, runMatrix } from './runner.ts';
import { CONSTANT_SCHEDULE_CASE, fakeAdapter, SGD_CASE } from './testing.ts';

const sgd = parseCase(SGD_CASE);
const schedule = parseCase(CONSTANT_SCHEDULE_CASE);

describe('runCase', () => {
  it('passes a correct adapter with errors at float64 rounding level', async () => {
    const r = await runCase(fakeAdapter(), sgd);
    expect(r.status).toBe('pass');
    expect(r.maxAbsErr!).toBeLessThan(1e-15);
  });

  it('fails an adapter that returns wrong numbers, with the exact max abs error', async () => {
    // Each step adds 0.25 to every element: after two steps the error is 0.5 (binary-exact).
    const r = await runCase(fakeAdapter({ offset: 0.25 }), sgd);
    expect(r.status).toBe('fail');
    expect(r.maxAbsErr).toBeCloseTo(0.5, 12);
    expect(r.maxRelErr).toBeCloseTo(0.5 / 0.9, 12);
    expect(r.reason).toMatch(/^params after step 1\[0\]\[0\]: got 1\.2/);
    const s = await runCase(fakeAdapter({ offset: 0.5 }), schedule);
    expect(s).toMatchObject({ status: 'fail', maxAbsErr: 0.5, maxRelErr: 0.5 });
  });

  it('reports a skip with its reason, never as a pass', async () => {
    const adapter = fakeAdapter({ skip: (c) => (c.kind === 'schedule' ? 'no schedules here' : undefined) });
    const results = await runMatrix([sgd, schedule], [adapter]);
    expect(results[1]).toEqual({
      case: 'schedule.constant',
      adapter: 'fake',
      status: 'skip',
      maxAbsErr: null,
      maxRelErr: null,
      reason: 'no schedules here',
    });
    expect(countResults(results)).toEqual({ passed: 1, failed: 0, skipped: 1 });
  });

  it('turns an adapter exception into a failure of that case only', async () => {
    const c = parseCase({
      name: 'mse',
      kind: 'loss',
      loss: { name: 'mse' },
      yTrue: { shape: [1], data: [1] },
      yPred: { shape: [1], data: [2] },
      expected: { value: { shape: [], data: [1] }, gradYPred: { shape: [1], data: [2] } },
    });
    const results = await runMatrix([c, sgd], [fakeAdapter()]);
    expect(results[0]).toMatchObject({ status: 'fail', reason: 'threw: not supported by the fake adapter' });
    expect(results[1]!.status).toBe('pass');
  });

  it('applies known lists: skip by pattern, xfail as skip, and a passing xfail as a failure', async () => {
    const wrong = fakeAdapter({ offset: 1 });
    const skip = await runCase(wrong, sgd, { ...NO_KNOWN, skip: [{ case: 'sgd.*', reason: 'no sgd yet' }] });
    expect(skip).toMatchObject({
      status: 'skip',
      reason: 'known skip: no sgd yet',
      known: 'skip',
      maxAbsErr: null,
    });
    const xfail = { ...NO_KNOWN, xfail: [{ case: 'sgd.two-steps', reason: 'issue #1' }] };
    const expectedFailure = await runCase(wrong, sgd, xfail);
    expect(expectedFailure).toMatchObject({ status: 'skip', known: 'xfail' });
    expect(expectedFailure.reason).toMatch(/^expected failure: issue #1 \[/);
    const unexpectedPass = await runCase(fakeAdapter(), sgd, xfail);
    expect(unexpectedPass).toMatchObject({ status: 'fail', known: 'xfail' });
    expect(unexpectedPass.reason).toMatch(/but passed: remove it from known\/fake\.json/);
  });

  it('fails when the adapter returns the wrong number of steps', async () => {
    const short = { ...fakeAdapter(), optimizer: async () => [] };
    const r = await runCase(short, sgd);
    expect(r).toMatchObject({ status: 'fail', maxAbsErr: Number.POSITIVE_INFINITY });
    expect(r.reason).toBe('0 steps returned, expected 2');
  });
});
