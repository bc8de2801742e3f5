import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@reptile/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareOutputs } from './compare.ts';
import { convertModel } from './convert.ts';
import type { ModelFormat } from './formats.ts';
import { RUN_FRONTENDS } from './frontends.ts';
import { runNatively } from './native/run.ts';
import { openModel } from './open.ts';
import { runModelFile } from './run.ts';
import { tfjsSavedCase } from './testing/tfjs-saved.ts';
import { exportedCase } from './testing/torch-exported.ts';

/**
 * Validation against files made by other tools (issue: "models exported by PyTorch's own
 * torch.onnx.export ... and by tfjs-layers' own model.save, run on every frontend and converted
 * in every direction, with outputs compared to the originating framework's within 1e-4").
 * Expected outputs come from PyTorch (the oracle script) and from tfjs-layers' predict.
 */
interface Source {
  readonly path: string;
  readonly format: ModelFormat;
  readonly input: Tensor;
  readonly expected: Tensor;
}

const TOLERANCE = 1e-4;
const TARGETS: readonly { format: ModelFormat; file: string }[] = [
  { format: 'onnx', file: 'model.onnx' },
  { format: 'tfjs', file: 'tfjs' },
  { format: 'torchscript', file: 'model.pt' },
  { format: 'reptile', file: 'model.reptile.json' },
];

const SOURCES: Record<string, () => Promise<Source>> = {
  'torch.onnx.export MLP': async () => ({
    ...exportedCase('mlp'),
    path: exportedCase('mlp').onnx,
    format: 'onnx',
  }),
  'torch.onnx.export CNN (BatchNorm kept, pooling)': async () => ({
    ...exportedCase('cnn'),
    path: exportedCase('cnn').onnx,
    format: 'onnx',
  }),
  'torch.onnx.export CNN (BatchNorm folded)': async () => ({
    ...exportedCase('cnn_folded'),
    path: exportedCase('cnn_folded').onnx,
    format: 'onnx',
  }),
  'torch.onnx.export LSTM': async () => ({
    ...exportedCase('lstm'),
    path: exportedCase('lstm').onnx,
    format: 'onnx',
  }),
  'tfjs-layers model.save CNN': async () => {
    const c = await tfjsSavedCase('cnn');
    return { ...c, path: c.folder, format: 'tfjs' };
  },
  'tfjs-layers model.save LSTM': async () => {
    const c = await tfjsSavedCase('lstm');
    return { ...c, path: c.folder, format: 'tfjs' };
  },
};

function within(got: Tensor, want: Tensor): { maxAbs: number; ok: boolean } {
  const d = compareOutputs([got], [want], ['output'], TOLERANCE);
  return { maxAbs: d.maxAbs, ok: d.ok };
}

describe.each(Object.keys(SOURCES))('%s', (label) => {
  let source: Source;
  beforeAll(async () => {
    source = await SOURCES[label]!();
  }, 120_000);

  it.each(RUN_FRONTENDS)(
    'runs on the %s frontend, equal to the originating framework',
    async (frontend) => {
      const model = await openModel(source.path, source.format);
      const out = await runModelFile(
        source.path,
        { [model.inputs[0]!.name]: source.input },
        frontend,
        source.format,
      );
      const got = Object.values(out)[0]!;
      expect(got.shape).toEqual(source.expected.shape);
      const d = within(got, source.expected);
      expect(d.maxAbs, `max abs error ${d.maxAbs}`).toBeLessThanOrEqual(TOLERANCE);
    },
    120_000,
  );

  it.each(TARGETS)(
    'converts to $format: the converted file on its own runtime equals the original',
    async ({ format, file }) => {
      const out = join(mkdtempSync(join(tmpdir(), 'reptile-convert-')), file);
      const batch = source.input.shape[0]!;
      const report = await convertModel(source.path, out, { to: format, verify: true, batchSize: batch });
      expect(report.verification?.ok, JSON.stringify(report.verification)).toBe(true);
      const converted = await openModel(out, format);
      const [got] = await runNatively(out, format, converted.inputs, [source.input]);
      expect(got!.shape).toEqual(source.expected.shape);
      const d = within(got!, source.expected);
      expect(d.maxAbs, `max abs error ${d.maxAbs}`).toBeLessThanOrEqual(TOLERANCE);
    },
    180_000,
  );
});
