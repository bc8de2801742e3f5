import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Dense, Sequential } from '../../../../packages/layers/src/index.ts';
import { writeZip, type ZipEntry } from '../archive/zip.ts';
import { exportArtifact } from '../artifacts/artifact.ts';
import { lossArtifact } from '../artifacts/loss.ts';
import { ReptileError } from '../core.ts';
import { runPython } from '../testing/harness.ts';
import { torchScriptModelBytes } from './export.ts';
import { importTorchScript, readTorchScriptModel } from './import.ts';
import { readStoredZip } from './zip-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-torch-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function small(): { model: Sequential; bytes: Uint8Array } {
  const model = new Sequential([new Dense({ units: 3, activation: 'relu' }), new Dense({ units: 2 })]);
  model.build([2]);
  return { model, bytes: torchScriptModelBytes(model, model.initWeights(4), { batchSize: 2 }) };
}

/** The archive's entries, edited, written back as a valid zip (CRCs recomputed). */
function rezip(bytes: Uint8Array, edit: (entries: ZipEntry[]) => ZipEntry[]): Uint8Array {
  const entries = readStoredZip(bytes, 'test').map((f) => ({ name: f.name, data: f.data! }));
  return writeZip(edit(entries));
}

function editRecord(bytes: Uint8Array, change: (record: Record<string, unknown>) => unknown): Uint8Array {
  return rezip(bytes, (entries) =>
    entries.map((e) =>
      e.name.endsWith('reptile_model.json')
        ? {
            name: e.name,
            data: new TextEncoder().encode(
              JSON.stringify(change(JSON.parse(new TextDecoder().decode(e.data)))),
            ),
          }
        : e,
    ),
  );
}

const PY = { timeout: 180_000 }; // starts Python and imports torch

const refusal = (bytes: Uint8Array) => () => readTorchScriptModel(bytes, 'model.pt');

describe('importTorchScript', () => {
  it('reads a file written by exportTorchScript', async () => {
    const { model, bytes } = small();
    const path = join(dir, 'small.pt');
    writeFileSync(path, bytes);
    const imported = await importTorchScript(path);
    expect(imported.config).toEqual(model.getConfig());
    expect(imported.weights.map((w) => w.shape)).toEqual([[2, 3], [3], [3, 2], [2]]);
  });

  it('refuses TorchScript that Reptile did not write, pointing to torch.onnx.export', PY, () => {
    const path = join(dir, 'linear.pt');
    runPython(
      `import warnings; warnings.simplefilter('ignore'); import torch; torch.jit.save(torch.jit.script(torch.nn.Linear(2, 3)), '${path}')`,
    );
    const bytes = new Uint8Array(readFileSync(path));
    expect(refusal(bytes)).toThrow(ReptileError);
    expect(refusal(bytes)).toThrow(
      /TorchScript archive that Reptile did not write.*only TorchScript exported by Reptile.*torch\.onnx\.export/,
    );
  });

  it('refuses a Reptile export re-saved by torch.jit.save (the record is gone)', PY, () => {
    const src = join(dir, 'resave-src.pt');
    const dst = join(dir, 'resave-dst.pt');
    writeFileSync(src, small().bytes);
    // torch treats the export as an ordinary module: it re-saves, reloads and computes the same
    const same = runPython(
      [
        'import warnings; warnings.simplefilter("ignore"); import torch',
        `m = torch.jit.load('${src}'); torch.jit.save(m, '${dst}')`,
        `x = torch.linspace(-1, 1, 10).reshape(5, 2)`,
        `print(torch.equal(m(x), torch.jit.load('${dst}')(x)))`,
      ].join('\n'),
    );
    expect(same.trim()).toBe('True');
    expect(refusal(new Uint8Array(readFileSync(dst)))).toThrow(/Reptile did not write/);
  });

  it('refuses a Reptile artifact that is not a model', () => {
    const bytes = exportArtifact(lossArtifact({ name: 'mse' }, { shape: [2] }, { shape: [2] }));
    expect(refusal(bytes)).toThrow(/is a Reptile artifact .* not an exported model/);
  });

  it('refuses files that are not zips, and truncated archives', () => {
    expect(refusal(new TextEncoder().encode('{"format": "reptile.model"}'))).toThrow(/is not a zip archive/);
    expect(refusal(new Uint8Array(0))).toThrow(/is not a zip archive/);
    const { bytes } = small();
    expect(refusal(bytes.subarray(0, bytes.length - 30))).toThrow(/truncated/);
    expect(refusal(bytes.subarray(0, 100))).toThrow(/not a zip archive/);
  });

  it('refuses entry names that escape the archive (zip slip)', () => {
    const { bytes } = small();
    for (const name of [
      'archive/../../etc/evil',
      '/etc/passwd',
      'archive\\..\\evil',
      'C:/evil',
      'archive/./x',
    ]) {
      const crafted = rezip(bytes, (e) => [...e, { name, data: new Uint8Array(1) }]);
      expect(refusal(crafted)).toThrow(/points outside the archive/);
    }
  });

  it('refuses missing, mis-sized, corrupted and duplicate entries', () => {
    const { bytes } = small();
    const withoutData1 = rezip(bytes, (e) => e.filter((x) => x.name !== 'archive/data/1'));
    expect(refusal(withoutData1)).toThrow(/has no entry 'archive\/data\/1' for weight 'dense_1\/bias'/);
    const short = rezip(bytes, (e) =>
      e.map((x) => (x.name === 'archive/data/0' ? { name: x.name, data: x.data.subarray(4) } : x)),
    );
    expect(refusal(short)).toThrow(
      /weight 'dense_1\/kernel' \(float32\[2,3\]\) needs 24 bytes but 'archive\/data\/0' has 20/,
    );
    const dup = rezip(bytes, (e) => [...e, e[0]!]);
    expect(refusal(dup)).toThrow(/two entries named 'archive\/data\/0'/);
    // flip one byte of a weight: the CRC catches it
    const flipped = bytes.slice();
    const at = indexOf(flipped, 'archive/data/0') + 'archive/data/0'.length;
    const entry = readStoredZip(bytes, 't')[0]!;
    const offset = entry.data!.byteOffset;
    expect(at).toBeGreaterThan(0);
    flipped[offset] = flipped[offset]! ^ 0xff;
    expect(refusal(flipped)).toThrow(/entry 'archive\/data\/0' fails its CRC-32 check/);
  });

  it('refuses damaged or foreign model records, naming the field', () => {
    const { bytes } = small();
    const notJson = rezip(bytes, (e) =>
      e.map((x) =>
        x.name.endsWith('reptile_model.json') ? { name: x.name, data: new TextEncoder().encode('{oops') } : x,
      ),
    );
    expect(refusal(notJson)).toThrow(/reptile_model\.json: is not valid JSON/);
    expect(refusal(editRecord(bytes, (r) => ({ ...r, extra: 1 })))).toThrow(
      /reptile_model\.json\.extra: unknown field 'extra'/,
    );
    expect(refusal(editRecord(bytes, (r) => ({ ...r, version: 2 })))).toThrow(/version 1 record/);
    const badStorage = editRecord(bytes, (r) => {
      const weights = r.weights as Record<string, unknown>[];
      weights[1] = { ...weights[1], storage: '../data/0' };
      return r;
    });
    expect(refusal(badStorage)).toThrow(
      /weights\[1\]\.storage: storage "..\/data\/0" is not a data\/N entry/,
    );
    const badDtype = editRecord(bytes, (r) => {
      (r.weights as Record<string, unknown>[])[0]!.dtype = 'float16';
      return r;
    });
    expect(refusal(badDtype)).toThrow(/weights\[0\]\.dtype: unknown dtype "float16"/);
  });

  it('a missing file is a ReptileError naming the path', async () => {
    await expect(importTorchScript(join(dir, 'nope.pt'))).rejects.toThrow(/nope\.pt: cannot read the file/);
  });

  it('any truncation or single-byte corruption is refused with a ReptileError or changes nothing', () => {
    const { model, bytes } = small();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          expect(refusal(bytes.subarray(0, at))).toThrow(ReptileError);
          const corrupt = bytes.slice();
          corrupt[at] = corrupt[at]! ^ xor;
          try {
            const got = readTorchScriptModel(corrupt);
            // only bytes no reader looks at (alignment padding, header fields it ignores) survive
            expect(got.config).toEqual(model.getConfig());
            expect(got.weights.map((w) => Array.from(w.data()))).toEqual(
              readTorchScriptModel(bytes).weights.map((w) => Array.from(w.data())),
            );
          } catch (error) {
            expect(error).toBeInstanceOf(ReptileError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function indexOf(haystack: Uint8Array, text: string): number {
  return Buffer.from(haystack).indexOf(text);
}
