import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@reptile/core';
import { readTensorFile } from '../tensor-json.ts';

const ORACLE = resolve(
  fileURLToPath(import.meta.url),
  '../../../../../conformance/oracles/models/torch_exported.py',
);

let folder: string | undefined;

/**
 * Runs the oracle that makes real `torch.onnx.export` files (mlp, cnn, cnn_folded, lstm) with
 * PyTorch's own outputs, once per test process. Needs python3 with torch (the test command
 * installs it); without it this throws, so tests fail with the reason rather than skip.
 */
export function torchExportedModels(): string {
  if (!folder) {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-torch-exported-'));
    execFileSync(process.env.REPTILE_PYTHON ?? 'python3', [ORACLE, dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    folder = dir;
  }
  return folder;
}

export interface ExportedCase {
  readonly onnx: string;
  readonly input: Tensor;
  readonly expected: Tensor;
}

export function exportedCase(name: 'mlp' | 'cnn' | 'cnn_folded' | 'lstm'): ExportedCase {
  const dir = torchExportedModels();
  return {
    onnx: join(dir, `${name}.onnx`),
    input: readTensorFile(join(dir, `${name}.input.json`), 'input').input!,
    expected: readTensorFile(join(dir, `${name}.expected.json`), 'output').output!,
  };
}
