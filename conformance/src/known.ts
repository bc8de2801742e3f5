import { asObject, checkKeys, fail, ReptileError } from './core.ts';

/**
 * An adapter's known deviations, `conformance/known/<adapter>.json`: cases it does not run
 * (`skip`) or runs expecting a failure (`xfail`), each with a reason — never silent. An xfail
 * that passes is reported as a failure, so a fixed case cannot stay listed forever.
 */
export interface KnownEntry {
  /** A case name, or a pattern where `*` matches any run of characters ("adam.*"). */
  readonly case: string;
  readonly reason: string;
}

export interface KnownList {
  readonly skip: readonly KnownEntry[];
  readonly xfail: readonly KnownEntry[];
}

export const NO_KNOWN: KnownList = { skip: [], xfail: [] };

export function parseKnownList(value: unknown, file: string): KnownList {
  try {
    const obj = asObject(value, 'known');
    checkKeys(obj, ['$comment', 'skip', 'xfail'], 'known');
    return { skip: entries(obj.skip, 'known.skip'), xfail: entries(obj.xfail, 'known.xfail') };
  } catch (err) {
    if (err instanceof ReptileError) throw new ReptileError(err.message, { where: file, cause: err });
    throw err;
  }
}

function entries(value: unknown, where: string): KnownEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail('expected an array of {case, reason}', { where });
  return value.map((v, i) => {
    const at = `${where}[${i}]`;
    const obj = asObject(v, at);
    checkKeys(obj, ['case', 'reason'], at);
    for (const key of ['case', 'reason'] as const) {
      if (typeof obj[key] !== 'string' || (obj[key] as string).trim() === '') {
        fail('expected a non-empty string', {
          where: `${at}.${key}`,
          hint: 'every known entry needs a reason',
        });
      }
    }
    return { case: obj.case as string, reason: obj.reason as string };
  });
}

export function matchesCase(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const re = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`).test(name);
}

export function findKnown(list: readonly KnownEntry[], name: string): KnownEntry | undefined {
  return list.find((e) => matchesCase(e.case, name));
}

/** Entries that match no case: reported so stale lists get cleaned up. */
export function unusedEntries(list: KnownList, names: readonly string[]): KnownEntry[] {
  return [...list.skip, ...list.xfail].filter((e) => !names.some((n) => matchesCase(e.case, n)));
}
