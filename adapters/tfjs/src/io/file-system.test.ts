import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reptileOptimizer } from '../optimizer.ts';
import { useBackend } from '../testing.ts';
import { fileSystem, registerFileSystemRouter } from './file-system.ts';
import { resolveInside } from './safe-path.ts';

let root = '';
let n = 0;
const folder = () => join(root, `m${n++}`);

function model(): tfl.Sequential {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({
        units: 5,
        inputShape: [7],
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
      }),
    ],
  });
  m.compile({ optimizer: reptileOptimizer({ name: 'adam' }), loss: 'meanSquaredError' });
  return m;
}

/** A saved model folder and its model.json, for tampering with. */
async function saved(): Promise<{
  dir: string;
  json: Record<string, unknown> & { weightsManifest: { paths: string[]; weights: unknown[] }[] };
}> {
  const dir = folder();
  const m = model();
  await m.save(fileSystem(dir));
  m.dispose();
  return { dir, json: JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) };
}

async function rewrite(dir: string, json: unknown): Promise<void> {
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
}

beforeAll(async () => {
  await useBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'reptile-fs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('fileSystem IOHandler', () => {
  it('round-trips a model with its optimizer, in shards of at most shardSizeBytes', async () => {
    const dir = folder();
    const m = model();
    const x = tf.ones([2, 7]);
    await m.trainOnBatch(x, tf.zeros([2, 5]));
    const result = await m.save(fileSystem(dir, { shardSizeBytes: 64 }), { includeOptimizer: true });
    // 7·5 + 5 floats of weights and twice that of Adam moments, plus the step count: 484 bytes.
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(4 * (40 + 80 + 1));
    const shards = (await readdir(dir)).filter((f) => f.endsWith('.bin'));
    expect(shards).toHaveLength(Math.ceil(484 / 64));
    const loaded = await tfl.loadLayersModel(fileSystem(dir));
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((m.predict(x) as tf.Tensor).dataSync()),
    );
    m.dispose();
    loaded.dispose();
  });

  it('replaces an earlier save atomically and removes only its own stale shards', async () => {
    const dir = folder();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'notes.bin'), 'user file');
    const m = model();
    await m.save(fileSystem(dir, { shardSizeBytes: 32 }));
    await m.save(fileSystem(dir));
    const files = (await readdir(dir)).sort();
    expect(files.filter((f) => f.startsWith('weights-'))).toHaveLength(1);
    expect(files).toContain('notes.bin');
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    m.dispose();
  });

  it('a save that fails leaves the previous model intact', async () => {
    const dir = folder();
    const m = model();
    await m.save(fileSystem(dir));
    const before = await readFile(join(dir, 'model.json'), 'utf8');
    const broken = {
      modelTopology: {},
      get weightData(): ArrayBuffer {
        throw new Error('disk full');
      },
    };
    await expect(fileSystem(dir).save!(broken as tf.io.ModelArtifacts)).rejects.toThrow(/disk full/);
    expect(await readFile(join(dir, 'model.json'), 'utf8')).toBe(before);
    (await tfl.loadLayersModel(fileSystem(dir))).dispose();
    m.dispose();
  });

  const refusals: [string, string, RegExp][] = [
    ['an absolute path', '/etc/passwd', /is absolute/],
    ['a drive letter', 'C:/weights.bin', /is absolute/],
    ["a '..' segment", '../outside.bin', /contains a '\.\.' segment/],
    ["a '..' in the middle", 'sub/../../outside.bin', /contains a '\.\.' segment/],
    ['a backslash', '..\\outside.bin', /contains a backslash/],
    ['a NUL character', 'weights.bin\u0000.txt', /contains a NUL character/],
    ['an empty path', '', /is not a non-empty string/],
    ['the folder itself', '.', /leaves the model folder/],
  ];
  it.each(refusals)('refuses a weight path with %s', async (_, path, message) => {
    const { dir, json } = await saved();
    json.weightsManifest[0]!.paths = [path];
    await rewrite(dir, json);
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(message);
  });

  it('refuses a weight file that is a link leaving the folder', async () => {
    const { dir, json } = await saved();
    await writeFile(join(root, 'secret.bin'), new Uint8Array(160));
    await symlink(join(root, 'secret.bin'), join(dir, 'link.bin'));
    json.weightsManifest[0]!.paths = ['link.bin'];
    await rewrite(dir, json);
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(
      /is a link that leaves the model folder/,
    );
  });

  it('refuses truncated and padded weight files (byte counts must match the specs)', async () => {
    const { dir, json } = await saved();
    const shard = join(dir, json.weightsManifest[0]!.paths[0]!);
    const bytes = await readFile(shard);
    await writeFile(shard, bytes.subarray(0, bytes.length - 4));
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(
      /hold 156 bytes but the weight specs need 160/,
    );
    await writeFile(shard, Buffer.concat([bytes, Buffer.alloc(1)]));
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(
      /hold 161 bytes but the weight specs need 160/,
    );
  });

  it('refuses a missing weight file', async () => {
    const { dir, json } = await saved();
    json.weightsManifest[0]!.paths = ['gone.bin'];
    await rewrite(dir, json);
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(
      /weight file "gone.bin" does not exist/,
    );
  });

  const corrupt: [string, (json: Record<string, unknown>) => unknown, RegExp][] = [
    ['not JSON', () => '{"modelTopology": ', /is not valid JSON/],
    ['an array', () => [], /must hold a JSON object/],
    ['no topology', (j) => ({ ...j, modelTopology: undefined }), /modelTopology is missing/],
    [
      'a manifest that is not an array',
      (j) => ({ ...j, weightsManifest: {} }),
      /weightsManifest must be an array/,
    ],
    [
      'a string weight',
      (j) => ({
        ...j,
        weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [1], dtype: 'string' }] }],
      }),
      /dtype "string" is not supported/,
    ],
    [
      'a negative dimension',
      (j) => ({
        ...j,
        weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [-1], dtype: 'float32' }] }],
      }),
      /shape must be an array of non-negative integers/,
    ],
    [
      'a duplicated weight name',
      (j) => ({
        ...j,
        weightsManifest: [
          {
            paths: ['x.bin'],
            weights: [
              { name: 'w', shape: [1], dtype: 'float32' },
              { name: 'w', shape: [1], dtype: 'float32' },
            ],
          },
        ],
      }),
      /weight 'w' appears twice/,
    ],
  ];
  it.each(corrupt)('refuses a model.json with %s', async (_, tamper, message) => {
    const { dir, json } = await saved();
    const value = tamper(json);
    await writeFile(join(dir, 'model.json'), typeof value === 'string' ? value : JSON.stringify(value));
    await expect(tfl.loadLayersModel(fileSystem(dir))).rejects.toThrow(message);
  });
});

describe('file:// URLs', () => {
  it('route to the fileSystem handler once registered (and only once)', async () => {
    expect(registerFileSystemRouter()).toBe(true);
    expect(registerFileSystemRouter()).toBe(false);
    const dir = folder();
    const m = model();
    await m.save(`file://${dir}`);
    const loaded = await tfl.loadLayersModel(`file://${dir}`);
    expect(loaded.layers).toHaveLength(1);
    m.dispose();
    loaded.dispose();
  });
});

describe('resolveInside', () => {
  it('resolves plain relative names inside the folder', () => {
    expect(resolveInside('/models/a', 'weights.bin', 'test')).toBe('/models/a/weights.bin');
    expect(resolveInside('/models/a', 'sub/./w.bin', 'test')).toBe('/models/a/sub/w.bin');
  });
});
