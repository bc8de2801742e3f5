import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Case, parseCaseFile } from './case.ts';
import { fail } from './core.ts';
import { type KnownList, NO_KNOWN, parseKnownList } from './known.ts';

/** Every `.json` file under the given files/directories, recursively, in a stable order. */
export function findCaseFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
    } else if (path.endsWith('.json')) {
      files.push(path);
    }
  };
  for (const path of paths) {
    if (!existsSync(path))
      fail(`'${path}' does not exist`, { where: '--cases', hint: 'give a case directory or file' });
    visit(path);
  }
  return files;
}

/**
 * Loads and strictly parses every case. Names must be unique across the whole run, since results,
 * known lists and reports identify a case by name alone.
 */
export function loadCases(paths: readonly string[], cwd = process.cwd()): Case[] {
  const cases: Case[] = [];
  const seen = new Map<string, string>();
  for (const file of findCaseFiles(paths)) {
    const shown = relative(cwd, file) || file;
    for (const c of parseCaseFile(readFileSync(file, 'utf8'), shown)) {
      const first = seen.get(c.name);
      if (first !== undefined) {
        fail(`case name '${c.name}' is also used in ${first}`, {
          where: shown,
          hint: 'give every case a unique name',
        });
      }
      seen.set(c.name, shown);
      cases.push(c);
    }
  }
  return cases;
}

/** `known/<adapter>.json`, or an empty list when the adapter has none. */
export function loadKnownList(dir: string, adapter: string): KnownList {
  const file = join(dir, `${adapter}.json`);
  if (!existsSync(file)) return NO_KNOWN;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`is not valid JSON (${(err as Error).message})`, { where: file });
  }
  return parseKnownList(json, file);
}
