import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReptileError } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { formatOfPath, parseFormat } from './formats.ts';

describe('model formats', () => {
  it.each([
    ['model.onnx', 'onnx'],
    ['dir/Model.ONNX', 'onnx'],
    ['net.pt', 'torchscript'],
    ['net.pth', 'torchscript'],
    ['m.reptile.json', 'reptile'],
    ['out/model.json', 'tfjs'],
    ['out/', 'tfjs'],
    ['exported', 'tfjs'],
  ])('%s is %s', (path, format) => {
    expect(formatOfPath(path)).toBe(format);
  });

  it('an existing folder is tfjs whatever its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-fmt-'));
    expect(formatOfPath(join(dir))).toBe('tfjs');
  });

  it('refuses unknown extensions and names with the fix', () => {
    expect(() => formatOfPath('weights.h5')).toThrow(ReptileError);
    expect(() => formatOfPath('weights.h5')).toThrow(/pass --from\/--to/);
    expect(parseFormat('torch', '--to')).toBe('torchscript');
    expect(() => parseFormat('keras', '--to')).toThrow(/use one of onnx, tfjs, torchscript, reptile/);
  });
});
