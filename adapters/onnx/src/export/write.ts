import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { ReptileError } from '@reptile/core';
import type { LowerOptions } from '../lower/context.ts';
import { type Program, programModel } from '../program.ts';
import { encodeModel, type ModelObject } from '../proto/schema.ts';

/** The .onnx bytes of a program. */
export function programBytes(program: Program, options: LowerOptions = {}): Uint8Array {
  return encodeModel(programModel(program, options).model);
}

/**
 * Writes a program as an .onnx file atomically: the bytes go to a temporary file beside the
 * target, which is then renamed over it, so a reader never sees a half-written model.
 */
export function writeProgram(path: string, program: Program, options: LowerOptions = {}): Uint8Array {
  return writeModel(path, programModel(program, options).model);
}

/** Writes any model (e.g. trainLoopModel's) atomically, as writeProgram does. */
export function writeModel(path: string, model: ModelObject): Uint8Array {
  const bytes = encodeModel(model);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new ReptileError(`could not write ${path}: ${(err as Error).message}`, {
      where: 'onnx export',
      hint: 'check that the directory exists and is writable',
      cause: err,
    });
  }
  return bytes;
}
