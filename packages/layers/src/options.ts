import {
  asObject,
  checkKeys,
  checkNumber,
  type DType,
  fail,
  type JsonObject,
  type RegularizerConfig,
  regularizerFromConfig,
} from '@reptile/core';

/** Shared readers for layer options and configs; errors name the field path. */
export function readOptions(value: unknown, allowed: readonly string[], where: string): JsonObject {
  const obj = asObject(value ?? {}, where);
  checkKeys(obj, allowed, where);
  return obj;
}

export function readPositiveInt(value: unknown, where: string): number {
  return checkNumber(value, where, { min: 1, integer: true });
}

export function readOptionalName(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`expected a string, got ${typeof value}`, { where });
  return value;
}

export function readRegularizer(value: unknown, where: string): RegularizerConfig | undefined {
  return value === undefined ? undefined : regularizerFromConfig(value, where).config;
}

export function readFloatDType(value: unknown, where: string): DType {
  if (value === undefined) return 'float32';
  if (value !== 'float32' && value !== 'float64') {
    fail(`${JSON.stringify(value)} is not allowed`, { where, hint: "use 'float32' or 'float64'" });
  }
  return value;
}

/** Drops undefined fields so configs stay JSON-clean and compare equal after a round trip. */
export function defined(obj: Record<string, unknown>): JsonObject {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}
