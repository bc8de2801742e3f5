import { parseArgs } from 'node:util';

/** Where a command writes; tests pass collectors instead of the process streams. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface Command {
  readonly name: string;
  /** One line for `reptile help`. */
  readonly summary: string;
  /** Full usage text, printed by `reptile help <command>` and on a usage error. */
  readonly usage: string;
  /** Resolves to the process exit code. */
  run(args: readonly string[], io: Io): Promise<number>;
}

/** A wrong command line (unknown command or flag, missing value): exit code 2 with usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;

/** Strict flag parsing: unknown flags, missing values and stray positionals are usage errors. */
export function parseFlags<F extends FlagSpec>(
  args: readonly string[],
  flags: F,
  positionals: { min: number; max: number } = { min: 0, max: 0 },
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options: flags, strict: true, allowPositionals: true });
  } catch (err) {
    // node's messages go on to explain `--`; the first sentence is the useful part.
    throw new UsageError((err as Error).message.split('. ')[0]!);
  }
  const pos = parsed.positionals;
  if (pos.length < positionals.min) throw new UsageError(`missing argument (expected ${positionals.min})`);
  if (pos.length > positionals.max) throw new UsageError(`unexpected argument '${pos[positionals.max]}'`);
  return {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: pos,
  };
}

/** Comma-separated list flag (`--adapters a,b`), possibly repeated. */
export function splitList(value: string | boolean | string[] | undefined): string[] | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(','));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function stringFlag(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A positive integer flag, or `fallback` when absent. */
export function intFlag(
  value: string | boolean | string[] | undefined,
  name: string,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${name} expects a positive integer, got '${String(value)}'`);
  return n;
}
