import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReptileError, type Tensor } from '@reptile/core';
import { createEvaluator, type Evaluator, type NodeTestFrontend } from './frontends.ts';
import { loadOnnxModel } from './model.ts';
import { mismatch, outOfScope, readDataSets } from './node-test-case.ts';
import { Value } from './value.ts';

export interface NodeTestOptions {
  readonly frontend: NodeTestFrontend;
  /** Case names to run: a substring, a RegExp, or a predicate. Default: all. */
  readonly filter?: string | RegExp | ((name: string) => boolean);
  /** The node/ folder of the ONNX test data. Default: ../shared/onnx-node-tests/node beside the repo. */
  readonly dir?: string;
  /** Known failures file. Default: node-tests-known.json beside this file. */
  readonly knownFile?: string;
}

export interface CaseOutcome {
  readonly case: string;
  readonly reason: string;
}

export interface NodeTestReport {
  readonly frontend: NodeTestFrontend;
  readonly passed: string[];
  /** In-scope cases that failed (known or not). */
  readonly failed: CaseOutcome[];
  /** Failures not listed in the known file. */
  readonly unexpected: CaseOutcome[];
  /** Known failures that passed: their entries are stale. */
  readonly stale: string[];
  /** Out-of-scope cases with the reason. */
  readonly excluded: CaseOutcome[];
  readonly inScope: number;
  /** passed / inScope. */
  readonly passRate: number;
  readonly seconds: number;
  /** The five slowest in-scope cases, seconds each. */
  readonly slowest: { case: string; seconds: number }[];
}

/** Known failures: frontend → case → reason. */
export type KnownFailures = Record<string, Record<string, string>>;

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_KNOWN_FILE = join(HERE, 'node-tests-known.json');

/** The repo root is the folder holding pnpm-workspace.yaml; the shared data is its sibling. */
export function defaultNodeTestDir(): string {
  let dir = HERE;
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new ReptileError('no pnpm-workspace.yaml above the importer', { where: HERE });
    dir = up;
  }
  return resolve(dir, '..', 'shared', 'onnx-node-tests', 'node');
}

export function readKnownFailures(file = DEFAULT_KNOWN_FILE): KnownFailures {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as KnownFailures;
  } catch (e) {
    throw new ReptileError(`is not valid JSON (${(e as Error).message})`, { where: file });
  }
}

function matches(filter: NodeTestOptions['filter'], name: string): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return name.includes(filter);
  if (filter instanceof RegExp) return filter.test(name);
  return filter(name);
}

/** Runs one case on the evaluator; resolves with a failure description or undefined. */
export async function runCaseDir(caseDir: string, evaluator: Evaluator): Promise<string | undefined> {
  const model = loadOnnxModel(join(caseDir, 'model.onnx'));
  for (const set of readDataSets(caseDir)) {
    const inputs: Record<string, Tensor> = {};
    model.inputs.forEach((info, i) => {
      const host = set.inputs[i];
      if (!host) throw new ReptileError(`${set.name} has no input_${i}.pb`, { where: caseDir });
      inputs[info.name] = Value.host(host).tensor(`${set.name}/input_${i}`);
    });
    const out = model.run(inputs);
    const tensors = model.outputs.map((o) => out[o.name]!);
    const values = await evaluator.evaluate(tensors);
    for (let i = 0; i < tensors.length; i++) {
      const want = set.outputs[i];
      if (!want) continue;
      const t = tensors[i]!;
      const diff = mismatch(values[i]!, t.shape, t.dtype, want);
      if (diff) return `${set.name} output ${i} '${model.outputs[i]!.name}': ${diff}`;
    }
  }
  return undefined;
}

/**
 * Sweeps ONNX's own operator tests through the importer on one frontend. Out-of-scope cases are
 * counted with their reason; in-scope failures are compared with the known-failures file.
 */
export async function runOnnxNodeTests(options: NodeTestOptions): Promise<NodeTestReport> {
  const started = performance.now();
  const dir = options.dir ?? defaultNodeTestDir();
  if (!existsSync(dir)) {
    throw new ReptileError('the ONNX node test data is missing', {
      where: dir,
      hint: 'expected ../shared/onnx-node-tests/node beside the repository (see its README.md)',
    });
  }
  const known = readKnownFailures(options.knownFile)[options.frontend] ?? {};
  const names = readdirSync(dir)
    .filter((n) => matches(options.filter, n))
    .sort();
  const evaluator = await createEvaluator(options.frontend);
  const passed: string[] = [];
  const failed: CaseOutcome[] = [];
  const excluded: CaseOutcome[] = [];
  const times: { case: string; seconds: number }[] = [];
  try {
    for (const name of names) {
      const caseDir = join(dir, name);
      const scope = outOfScope(readFileSync(join(caseDir, 'model.onnx')), name);
      if (scope) {
        excluded.push({ case: name, reason: scope });
        continue;
      }
      let reason: string | undefined;
      const t0 = performance.now();
      try {
        reason = await runCaseDir(caseDir, evaluator);
      } catch (e) {
        reason = `${e instanceof ReptileError ? '' : `${(e as Error).name}: `}${(e as Error).message}`;
      }
      times.push({ case: name, seconds: (performance.now() - t0) / 1000 });
      if (reason === undefined) passed.push(name);
      else failed.push({ case: name, reason });
    }
  } finally {
    await evaluator.close();
  }
  const inScope = passed.length + failed.length;
  return {
    frontend: options.frontend,
    passed,
    failed,
    unexpected: failed.filter((f) => known[f.case] === undefined),
    stale: passed.filter((p) => known[p] !== undefined),
    excluded,
    inScope,
    passRate: inScope === 0 ? 1 : passed.length / inScope,
    seconds: (performance.now() - started) / 1000,
    slowest: times.sort((a, b) => b.seconds - a.seconds).slice(0, 5),
  };
}
