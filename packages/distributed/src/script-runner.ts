import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail } from './core.ts';

/**
 * How a worker runs the user's script: plain node for .js/.mjs, through tsx for TypeScript (the
 * repo's own scripts and examples are .ts). Resolved once by the launcher and passed on.
 */
export interface ScriptRunner {
  /** Absolute path of the script. */
  readonly script: string;
  /** node flags for a process (mpirun): `--import <tsx loader>` for .ts, else none. */
  readonly nodeArgs: readonly string[];
  /** File URL of tsx's ESM API (its tsImport), for worker threads; undefined for .js. */
  readonly tsxApi: string | undefined;
}

const TS = /\.(ts|mts|cts|tsx)$/;

export function scriptRunner(script: string, cwd = process.cwd()): ScriptRunner {
  const path = resolve(cwd, script);
  if (!existsSync(path)) fail(`script ${path} does not exist`, { where: 'launch', hint: 'check the path' });
  if (!TS.test(path)) return { script: path, nodeArgs: [], tsxApi: undefined };
  const tsx = findTsx();
  return { script: path, nodeArgs: ['--import', tsx.loader], tsxApi: tsx.api };
}

function findTsx(): { loader: string; api: string } {
  const require = createRequire(import.meta.url);
  try {
    const loader = require.resolve('tsx');
    // The package's require condition points at a CommonJS build whose tsImport cannot load ESM
    // in a worker; the ESM build sits beside it.
    const api = require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
    if (!existsSync(api)) throw new Error(`missing ${api}`);
    return { loader: pathToFileURL(loader).href, api: pathToFileURL(api).href };
  } catch (err) {
    fail(`running a TypeScript script needs tsx (${(err as Error).message})`, {
      where: 'launch',
      hint: 'install tsx (pnpm add -D tsx) or launch a compiled .js script',
    });
  }
}
