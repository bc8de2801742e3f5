import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluator, type Evaluator } from './frontends.ts';
import { runCaseDir } from './node-tests.ts';

/**
 * Operators and attributes ONNX's node tests (as kept in ../shared) do not reach: one-node models
 * whose expected outputs come from onnx.reference.ReferenceEvaluator (fixtures/make_op_fixtures.py).
 */
const DIR = join(import.meta.dirname, 'fixtures', 'ops');
const CASES = readdirSync(DIR).sort();

describe.each(['reference', 'tfjs-cpu', 'onnx', 'torch'] as const)('operator fixtures on %s', (frontend) => {
  let evaluator: Evaluator;
  beforeAll(async () => {
    evaluator = await createEvaluator(frontend);
  });
  afterAll(() => evaluator.close());

  it('has the fixtures', () => expect(CASES.length).toBeGreaterThan(40));

  it.each(CASES)('%s matches the ONNX reference evaluator', async (name) => {
    expect(await runCaseDir(join(DIR, name), evaluator)).toBeUndefined();
  });
});
