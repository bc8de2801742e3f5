import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { fail } from '@reptile/core';

/** The model file formats Reptile reads and writes. */
export const FORMATS = ['onnx', 'tfjs', 'torchscript', 'reptile'] as const;
export type ModelFormat = (typeof FORMATS)[number];

const ALIASES: Record<string, ModelFormat> = {
  onnx: 'onnx',
  tfjs: 'tfjs',
  torchscript: 'torchscript',
  torch: 'torchscript',
  pt: 'torchscript',
  reptile: 'reptile',
};

/** `--from`/`--to` values: the format names plus the aliases torch and pt. */
export function parseFormat(name: string, where: string): ModelFormat {
  return (
    ALIASES[name.toLowerCase()] ??
    fail(`unknown model format '${name}'`, { where, hint: `use one of ${FORMATS.join(', ')}` })
  );
}

/**
 * The format a path names: `.onnx`; `.pt`/`.pth` (TorchScript); `.reptile.json`; `model.json`
 * or a folder (a tfjs LayersModel, written as model.json + weights.bin). A path that exists as a
 * folder is tfjs even without a model.json yet, so `reptile convert m.onnx out/` writes tfjs.
 */
export function formatOfPath(path: string, where = 'model path'): ModelFormat {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.reptile.json')) return 'reptile';
  if (name === 'model.json') return 'tfjs';
  const ext = extname(name);
  if (ext === '.onnx') return 'onnx';
  if (ext === '.pt' || ext === '.pth') return 'torchscript';
  if (path.endsWith('/') || (existsSync(path) && statSync(path).isDirectory())) return 'tfjs';
  if (ext === '') return 'tfjs';
  return fail(`cannot tell the model format of '${path}' from its name`, {
    where,
    hint: 'use .onnx, .pt, .reptile.json, a folder or model.json (tfjs), or pass --from/--to',
  });
}
