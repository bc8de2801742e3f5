import type { ConformanceAdapter } from './adapter.ts';
import { createReferenceAdapter } from './adapters/reference.ts';
import { fail } from './core.ts';

/**
 * Frontends known to the runner. A new frontend (tfjs, onnx, torch) adds one entry; `available`
 * lets an entry whose runtime is not installed drop out of the default set with a reason.
 */
export interface AdapterEntry {
  readonly description: string;
  /** undefined when the adapter can run here, else why not. */
  available(): string | undefined;
  create(): ConformanceAdapter | Promise<ConformanceAdapter>;
}

export const ADAPTERS: ReadonlyMap<string, AdapterEntry> = new Map<string, AdapterEntry>([
  [
    'reference',
    {
      description: 'Reptile core on the pure-TypeScript reference backend',
      available: () => undefined,
      create: createReferenceAdapter,
    },
  ],
]);

export interface ResolvedAdapters {
  readonly adapters: ConformanceAdapter[];
  /** Registered adapters left out of the default set, with the reason. */
  readonly unavailable: { name: string; reason: string }[];
}

/**
 * The adapters to run: the named ones (an unknown or unavailable name is an error), or every
 * available registered adapter when `names` is undefined.
 */
export async function resolveAdapters(
  names: readonly string[] | undefined,
  registry: ReadonlyMap<string, AdapterEntry> = ADAPTERS,
): Promise<ResolvedAdapters> {
  const known = [...registry.keys()];
  const unavailable: { name: string; reason: string }[] = [];
  const chosen: string[] = [];
  for (const name of names ?? known) {
    const entry = registry.get(name);
    if (!entry)
      fail(`unknown adapter '${name}'`, { where: '--adapters', hint: `known adapters: ${known.join(', ')}` });
    const reason = entry.available();
    if (reason === undefined) chosen.push(name);
    else if (names) fail(`adapter '${name}' is not available: ${reason}`, { where: '--adapters' });
    else unavailable.push({ name, reason });
  }
  const adapters = await Promise.all(chosen.map((n) => registry.get(n)!.create()));
  return { adapters, unavailable };
}
