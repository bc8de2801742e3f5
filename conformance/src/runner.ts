import type { ConformanceAdapter } from './adapter.ts';
import type { Case } from './case.ts';
import { findKnown, type KnownList, NO_KNOWN } from './known.ts';
import { Comparer, type Comparison } from './tolerance.ts';

export type Status = 'pass' | 'fail' | 'skip';

export interface CaseResult {
  readonly case: string;
  readonly adapter: string;
  readonly status: Status;
  /** null when the case did not run (skip). */
  readonly maxAbsErr: number | null;
  readonly maxRelErr: number | null;
  /**
   * max |got − expected| / (atol + rtol·|expected|) over the case's values, set whenever the case
   * ran (≤ 1 means within tolerance); the HTML report shades cells by it.
   */
  readonly toleranceRatio?: number;
  readonly reason?: string;
  /** Set when a known-list entry decided the status. */
  readonly known?: 'skip' | 'xfail';
}

/** Runs one case on one adapter. Never throws: an adapter error is that case's failure. */
export async function runCase(
  adapter: ConformanceAdapter,
  c: Case,
  known: KnownList = NO_KNOWN,
): Promise<CaseResult> {
  const base = { case: c.name, adapter: adapter.name };
  const skipped = (reason: string, k?: 'skip' | 'xfail'): CaseResult => ({
    ...base,
    status: 'skip',
    maxAbsErr: null,
    maxRelErr: null,
    reason,
    ...(k ? { known: k } : {}),
  });
  const knownSkip = findKnown(known.skip, c.name);
  if (knownSkip) return skipped(`known skip: ${knownSkip.reason}`, 'skip');
  let own: string | undefined;
  try {
    own = adapter.skipReason?.(c);
  } catch (err) {
    return {
      ...base,
      status: 'fail',
      maxAbsErr: null,
      maxRelErr: null,
      reason: `skipReason threw: ${message(err)}`,
    };
  }
  if (own !== undefined) return skipped(own);

  let outcome: Ran;
  try {
    outcome = await compareCase(adapter, c);
  } catch (err) {
    outcome = {
      ok: false,
      maxAbsErr: Number.POSITIVE_INFINITY,
      maxRelErr: Number.POSITIVE_INFINITY,
      toleranceRatio: Number.POSITIVE_INFINITY,
      reason: `threw: ${message(err)}`,
    };
  }
  const errs = {
    maxAbsErr: outcome.maxAbsErr,
    maxRelErr: outcome.maxRelErr,
    toleranceRatio: outcome.toleranceRatio,
  };
  const xfail = findKnown(known.xfail, c.name);
  if (xfail) {
    return outcome.ok
      ? {
          ...base,
          status: 'fail',
          ...errs,
          reason: `listed as an expected failure (${xfail.reason}) but passed: remove it from known/${adapter.name}.json`,
          known: 'xfail',
        }
      : {
          ...base,
          status: 'skip',
          ...errs,
          reason: `expected failure: ${xfail.reason} [${outcome.reason}]`,
          known: 'xfail',
        };
  }
  return outcome.ok
    ? { ...base, status: 'pass', ...errs }
    : { ...base, status: 'fail', ...errs, reason: outcome.reason ?? 'mismatch' };
}

/** Every case on every adapter, adapters in order, cases in order within each. */
export async function runMatrix(
  cases: readonly Case[],
  adapters: readonly ConformanceAdapter[],
  known: ReadonlyMap<string, KnownList> = new Map(),
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const adapter of adapters) {
    for (const c of cases) results.push(await runCase(adapter, c, known.get(adapter.name)));
  }
  return results;
}

type Ran = Comparison & { readonly toleranceRatio: number };

async function compareCase(adapter: ConformanceAdapter, c: Case): Promise<Ran> {
  const cmp = new Comparer(c.tolerance);
  switch (c.kind) {
    case 'optimizer': {
      const got = await adapter.optimizer(c.optimizer, c.params, c.grads);
      checkSteps(cmp, got, c.expected.length);
      c.expected.forEach((e, s) => {
        cmp.tensors(`params after step ${s + 1}`, got[s], e);
      });
      break;
    }
    case 'loss': {
      const got = await adapter.loss(c.loss, c.yTrue, c.yPred);
      cmp.tensor('value', got.value, c.expected.value);
      cmp.tensor('gradYPred', got.gradYPred, c.expected.gradYPred);
      break;
    }
    case 'regularizer': {
      const got = await adapter.regularizer(c.regularizer, c.weights);
      cmp.tensor('value', got.value, c.expected.value);
      cmp.tensor('grad', got.grad, c.expected.grad);
      break;
    }
    case 'schedule': {
      const got = await adapter.schedule(c.schedule, c.steps);
      cmp.values('schedule', got, c.expected);
      break;
    }
    case 'zookeeper': {
      const got = await adapter.zookeeper(c.optimizer, c.workers, c.params, c.grads);
      checkSteps(cmp, got, c.expected.length);
      c.expected.forEach((e, s) => {
        if (got[s]?.length !== e.length) {
          cmp.mismatch(`step ${s + 1}: ${got[s]?.length ?? 0} replicas returned, expected ${e.length}`);
          return;
        }
        e.forEach((w, k) => {
          cmp.tensors(`worker ${k} after step ${s + 1}`, got[s]![k], w);
        });
      });
      break;
    }
  }
  return { ...cmp.result(), toleranceRatio: cmp.toleranceRatio() };
}

function checkSteps(cmp: Comparer, got: readonly unknown[], steps: number): void {
  if (got.length !== steps) cmp.mismatch(`${got.length} steps returned, expected ${steps}`);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
