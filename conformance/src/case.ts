import { basename } from 'node:path';
import { asObject, checkKeys, checkNumber, fail, type JsonObject, ReptileError, readNumber } from './core.ts';
import { type HostTensor, parseExpectedTensor, parseHostTensor } from './host-tensor.ts';

/**
 * Conformance cases: language-neutral data (docs/conformance-cases.md) that any frontend replays.
 * Parsing is strict — unknown fields, ragged step lists and shape mismatches are errors naming the
 * file and field path — so a broken case never turns into a silently vacuous pass.
 */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

interface CaseBase {
  readonly name: string;
  readonly description?: string;
  readonly tolerance: Tolerance;
  /** The file the case came from ('' when parsed from memory). */
  readonly file: string;
}

export interface OptimizerCase extends CaseBase {
  readonly kind: 'optimizer';
  readonly optimizer: unknown;
  readonly params: readonly HostTensor[];
  /** grads[step][param] */
  readonly grads: readonly (readonly HostTensor[])[];
  /** expected[step][param]: params after that step */
  readonly expected: readonly (readonly HostTensor[])[];
}

export interface LossCase extends CaseBase {
  readonly kind: 'loss';
  readonly loss: unknown;
  readonly yTrue: HostTensor;
  readonly yPred: HostTensor;
  readonly expected: { readonly value: HostTensor; readonly gradYPred: HostTensor };
}

export interface RegularizerCase extends CaseBase {
  readonly kind: 'regularizer';
  readonly regularizer: unknown;
  readonly weights: HostTensor;
  readonly expected: { readonly value: HostTensor; readonly grad: HostTensor };
}

export interface ScheduleCase extends CaseBase {
  readonly kind: 'schedule';
  readonly schedule: unknown;
  readonly steps: readonly number[];
  readonly expected: readonly number[];
}

export interface ZooKeeperCase extends CaseBase {
  readonly kind: 'zookeeper';
  readonly workers: number;
  readonly optimizer: unknown;
  readonly params: readonly HostTensor[];
  /** grads[step][worker][param] */
  readonly grads: readonly (readonly (readonly HostTensor[])[])[];
  /** expected[step][worker][param]: every replica after that step */
  readonly expected: readonly (readonly (readonly HostTensor[])[])[];
}

export type Case = OptimizerCase | LossCase | RegularizerCase | ScheduleCase | ZooKeeperCase;
export type CaseKind = Case['kind'];
export const CASE_KINDS: readonly CaseKind[] = ['optimizer', 'loss', 'regularizer', 'schedule', 'zookeeper'];

const COMMON = ['name', 'kind', 'description', 'tolerance'];

/** Parses one case object; `where` is its path inside the file ('case' or 'cases[3]'). */
export function parseCase(value: unknown, where = 'case', file = ''): Case {
  const obj = asObject(value, where);
  const name = obj.name;
  if (typeof name !== 'string' || name.length === 0) {
    fail('expected a non-empty string', { where: `${where}.name` });
  }
  const kind = obj.kind;
  if (typeof kind !== 'string' || !(CASE_KINDS as readonly string[]).includes(kind)) {
    fail(`${JSON.stringify(kind)} is not a case kind`, {
      where: `${where}.kind`,
      hint: `use one of ${CASE_KINDS.map((k) => `'${k}'`).join(', ')}`,
    });
  }
  const description = obj.description;
  if (description !== undefined && typeof description !== 'string') {
    fail('expected a string', { where: `${where}.description` });
  }
  const base = {
    name,
    ...(description === undefined ? {} : { description }),
    tolerance: parseTolerance(obj.tolerance, `${where}.tolerance`),
    file,
  };
  switch (kind as CaseKind) {
    case 'optimizer':
      return parseOptimizerCase(obj, base, where);
    case 'loss':
      return parseLossCase(obj, base, where);
    case 'regularizer':
      return parseRegularizerCase(obj, base, where);
    case 'schedule':
      return parseScheduleCase(obj, base, where);
    case 'zookeeper':
      return parseZooKeeperCase(obj, base, where);
  }
}

/**
 * A case file holds one case object, named like the file (`adam-default.json` holds case
 * 'adam-default'), or an array of cases. Errors are rethrown prefixed with the file, so
 * "cases/optim/adam.json: case.grads[1][0].shape: ..." points straight at the typo.
 */
export function parseCaseFile(text: string, file: string): Case[] {
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      fail(`is not valid JSON (${(err as Error).message})`, {
        hint: 'write NaN and infinities as the strings "NaN", "Infinity", "-Infinity"',
      });
    }
    if (Array.isArray(json)) return json.map((c, i) => parseCase(c, `cases[${i}]`, file));
    const c = parseCase(json, 'case', file);
    const stem = basename(file, '.json');
    if (c.name !== stem) {
      fail(`case name '${c.name}' differs from the file name`, {
        hint: `name a one-case file after its case: ${c.name}.json (docs/conformance-cases.md)`,
      });
    }
    return [c];
  } catch (err) {
    if (err instanceof ReptileError) throw new ReptileError(err.message, { where: file, cause: err });
    throw err;
  }
}

function parseTolerance(value: unknown, where: string): Tolerance {
  if (value === undefined) return DEFAULT_TOLERANCE;
  const obj = asObject(value, where);
  checkKeys(obj, ['rtol', 'atol'], where);
  return {
    rtol: readNumber(obj, 'rtol', DEFAULT_TOLERANCE.rtol, where, { min: 0 }),
    atol: readNumber(obj, 'atol', DEFAULT_TOLERANCE.atol, where, { min: 0 }),
  };
}

type Base = Pick<CaseBase, 'name' | 'tolerance' | 'file'> & { description?: string };

function parseOptimizerCase(obj: JsonObject, base: Base, where: string): OptimizerCase {
  checkKeys(obj, [...COMMON, 'optimizer', 'params', 'grads', 'expected'], where);
  const params = tensorList(obj.params, `${where}.params`, parseHostTensor);
  const grads = steps(obj.grads, `${where}.grads`, (g, w) => tensorList(g, w, parseHostTensor));
  const expected = steps(obj.expected, `${where}.expected`, (e, w) => tensorList(e, w, parseExpectedTensor));
  sameLength(grads, expected, `${where}.expected`, 'grads (one entry per step)');
  grads.forEach((g, s) => {
    matchShapes(g, params, `${where}.grads[${s}]`, 'params');
  });
  expected.forEach((e, s) => {
    matchShapes(e, params, `${where}.expected[${s}]`, 'params');
  });
  return { ...base, kind: 'optimizer', optimizer: config(obj, 'optimizer', where), params, grads, expected };
}

function parseLossCase(obj: JsonObject, base: Base, where: string): LossCase {
  checkKeys(obj, [...COMMON, 'loss', 'yTrue', 'yPred', 'expected'], where);
  const yTrue = parseHostTensor(required(obj, 'yTrue', where), `${where}.yTrue`);
  const yPred = parseHostTensor(required(obj, 'yPred', where), `${where}.yPred`);
  const exp = asObject(required(obj, 'expected', where), `${where}.expected`);
  checkKeys(exp, ['value', 'gradYPred'], `${where}.expected`);
  const value = parseExpectedTensor(required(exp, 'value', `${where}.expected`), `${where}.expected.value`);
  const gradYPred = parseExpectedTensor(
    required(exp, 'gradYPred', `${where}.expected`),
    `${where}.expected.gradYPred`,
  );
  matchShape(gradYPred, yPred, `${where}.expected.gradYPred`, 'yPred');
  return {
    ...base,
    kind: 'loss',
    loss: config(obj, 'loss', where),
    yTrue,
    yPred,
    expected: { value, gradYPred },
  };
}

function parseRegularizerCase(obj: JsonObject, base: Base, where: string): RegularizerCase {
  checkKeys(obj, [...COMMON, 'regularizer', 'weights', 'expected'], where);
  const weights = parseHostTensor(required(obj, 'weights', where), `${where}.weights`);
  const exp = asObject(required(obj, 'expected', where), `${where}.expected`);
  checkKeys(exp, ['value', 'grad'], `${where}.expected`);
  const value = parseExpectedTensor(required(exp, 'value', `${where}.expected`), `${where}.expected.value`);
  const grad = parseExpectedTensor(required(exp, 'grad', `${where}.expected`), `${where}.expected.grad`);
  matchShape(grad, weights, `${where}.expected.grad`, 'weights');
  return {
    ...base,
    kind: 'regularizer',
    regularizer: config(obj, 'regularizer', where),
    weights,
    expected: { value, grad },
  };
}

function parseScheduleCase(obj: JsonObject, base: Base, where: string): ScheduleCase {
  checkKeys(obj, [...COMMON, 'schedule', 'steps', 'expected'], where);
  const stepList = array(obj.steps, `${where}.steps`).map((s, i) =>
    checkNumber(s, `${where}.steps[${i}]`, { min: 0, integer: true }),
  );
  const expected = array(obj.expected, `${where}.expected`).map((v, i) =>
    checkNumber(v, `${where}.expected[${i}]`),
  );
  sameLength(stepList, expected, `${where}.expected`, 'steps');
  const schedule = obj.schedule;
  if (typeof schedule !== 'number') config(obj, 'schedule', where);
  return { ...base, kind: 'schedule', schedule, steps: stepList, expected };
}

function parseZooKeeperCase(obj: JsonObject, base: Base, where: string): ZooKeeperCase {
  checkKeys(obj, [...COMMON, 'workers', 'optimizer', 'params', 'grads', 'expected'], where);
  const workers = checkNumber(obj.workers, `${where}.workers`, { min: 1, integer: true });
  const params = tensorList(obj.params, `${where}.params`, parseHostTensor);
  const perWorker = (parse: typeof parseHostTensor) => (v: unknown, w: string) => {
    const list = steps(v, w, (t, tw) => tensorList(t, tw, parse));
    if (list.length !== workers) fail(`has ${list.length} entries but workers is ${workers}`, { where: w });
    list.forEach((ts, k) => {
      matchShapes(ts, params, `${w}[${k}]`, 'params');
    });
    return list;
  };
  const grads = steps(obj.grads, `${where}.grads`, perWorker(parseHostTensor));
  const expected = steps(obj.expected, `${where}.expected`, perWorker(parseExpectedTensor));
  sameLength(grads, expected, `${where}.expected`, 'grads (one entry per step)');
  return {
    ...base,
    kind: 'zookeeper',
    workers,
    optimizer: config(obj, 'optimizer', where),
    params,
    grads,
    expected,
  };
}

// ---- small structural readers ---------------------------------------------------------------

function required(obj: JsonObject, key: string, where: string): unknown {
  const value = obj[key];
  if (value === undefined) fail('is required', { where: `${where}.${key}` });
  return value;
}

/** Configs are validated by the frontend that builds them; here they only need to be named objects. */
function config(obj: JsonObject, key: string, where: string): JsonObject {
  const cfg = asObject(required(obj, key, where), `${where}.${key}`);
  if (typeof cfg.name !== 'string') fail('expected a string', { where: `${where}.${key}.name` });
  return cfg;
}

function array(value: unknown, where: string): unknown[] {
  if (value === undefined) fail('is required', { where });
  if (!Array.isArray(value)) fail('expected an array', { where });
  return value;
}

function steps<T>(value: unknown, where: string, parse: (v: unknown, where: string) => T): T[] {
  const list = array(value, where);
  if (list.length === 0) fail('needs at least one entry', { where });
  return list.map((v, i) => parse(v, `${where}[${i}]`));
}

function tensorList(
  value: unknown,
  where: string,
  parse: (v: unknown, where: string) => HostTensor,
): HostTensor[] {
  return steps(value, where, parse);
}

function sameLength(a: readonly unknown[], b: readonly unknown[], where: string, what: string): void {
  if (a.length !== b.length) fail(`has ${b.length} entries but ${what} has ${a.length}`, { where });
}

function matchShapes(
  got: readonly HostTensor[],
  ref: readonly HostTensor[],
  where: string,
  what: string,
): void {
  if (got.length !== ref.length) fail(`has ${got.length} tensors but ${what} has ${ref.length}`, { where });
  got.forEach((t, i) => {
    matchShape(t, ref[i]!, `${where}[${i}]`, `${what}[${i}]`);
  });
}

function matchShape(got: HostTensor, ref: HostTensor, where: string, what: string): void {
  if (got.shape.length !== ref.shape.length || got.shape.some((d, j) => d !== ref.shape[j])) {
    fail(`shape [${got.shape.join(',')}] differs from ${what} shape [${ref.shape.join(',')}]`, {
      where: `${where}.shape`,
    });
  }
}
