import { fail } from '../errors.ts';

/**
 * Readers for JSON configs. Each names the exact field path in its error and lists what is
 * allowed, so a bad recipe is fixed from the message alone.
 */
export type JsonObject = { readonly [key: string]: unknown };

export function asObject(value: unknown, where: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`expected an object, got ${describe(value)}`, { where });
  }
  return value as JsonObject;
}

/** Rejects fields outside `allowed` (typos must not be silently ignored). */
export function checkKeys(obj: JsonObject, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      fail(`unknown field '${key}'`, {
        where: `${where}.${key}`,
        hint: `allowed fields: ${allowed.join(', ')}`,
      });
    }
  }
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** min/max exclusive */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
}

export function readNumber(
  obj: JsonObject,
  key: string,
  fallback: number | undefined,
  where: string,
  rule: NumberRule = {},
): number {
  const path = `${where}.${key}`;
  const value = obj[key] ?? fallback;
  if (value === undefined) fail('is required', { where: path, hint: `give a number${describeRule(rule)}` });
  return checkNumber(value, path, rule);
}

export function checkNumber(value: unknown, path: string, rule: NumberRule = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(`expected a finite number, got ${describe(value)}`, {
      where: path,
      hint: `give a number${describeRule(rule)}`,
    });
  }
  const tooLow = rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min);
  if (tooLow || (rule.max !== undefined && value > rule.max) || (rule.integer && !Number.isInteger(value))) {
    fail(`${value} is out of range`, { where: path, hint: `give a number${describeRule(rule)}` });
  }
  return value;
}

export function readBoolean(obj: JsonObject, key: string, fallback: boolean, where: string): boolean {
  const value = obj[key] ?? fallback;
  if (typeof value !== 'boolean')
    fail(`expected true or false, got ${describe(value)}`, { where: `${where}.${key}` });
  return value;
}

export function readEnum<T extends string>(
  obj: JsonObject,
  key: string,
  allowed: readonly T[],
  fallback: T | undefined,
  where: string,
): T {
  const value = obj[key] ?? fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(`${describe(value)} is not allowed`, {
      where: `${where}.${key}`,
      hint: `use one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
    });
  }
  return value as T;
}

export function readNumberArray(
  obj: JsonObject,
  key: string,
  where: string,
  rule: NumberRule = {},
): number[] | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value))
    fail(`expected an array of numbers, got ${describe(value)}`, { where: `${where}.${key}` });
  return value.map((v, i) => checkNumber(v, `${where}.${key}[${i}]`, rule));
}

/** The `name` field that selects an implementation from a registry. */
export function readName(obj: JsonObject, registry: readonly string[], where: string): string {
  return readEnum(obj, 'name', registry, undefined, where);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function describeRule(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.integer) parts.push('an integer');
  if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '≥'} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`≤ ${rule.max}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
