import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fail } from '@reptile/core';

/**
 * Resolves a weight-file path read from model.json inside the model folder. model.json is
 * untrusted input (a downloaded model): a path must be a plain relative name, and whatever it
 * resolves to must stay inside the folder, so a crafted manifest cannot read or overwrite files
 * elsewhere. Refused: empty paths, NUL, backslashes (Windows separators, which would let
 * `..\\..` through on one platform and not the other), absolute paths and drive letters, and
 * any `..` segment.
 */
export function resolveInside(folder: string, path: unknown, where: string): string {
  const refuse = (why: string): never =>
    fail(`weight path ${JSON.stringify(path)} ${why}`, {
      where,
      hint: 'weight paths must be relative names inside the model folder, e.g. "weights.bin"',
    });
  if (typeof path !== 'string' || path.length === 0) return refuse('is not a non-empty string');
  if (path.includes('\0')) return refuse('contains a NUL character');
  if (path.includes('\\')) return refuse('contains a backslash');
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith('/')) return refuse('is absolute');
  if (path.split('/').some((part) => part === '..')) return refuse("contains a '..' segment");
  const root = resolve(folder);
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    return refuse('leaves the model folder');
  return full;
}

/** The same check for a path the file system resolved (symbolic links followed). */
export function checkRealPathInside(realFolder: string, realFile: string, path: string, where: string): void {
  const rel = relative(realFolder, realFile);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    fail(`weight path ${JSON.stringify(path)} is a link that leaves the model folder`, {
      where,
      hint: 'weight files must be regular files inside the model folder',
    });
  }
}
