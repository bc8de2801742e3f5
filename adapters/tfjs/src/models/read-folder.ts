import { open, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fail, ReptileError, type Shape, sizeOf, Tensor } from '@reptile/core';
import { checkRealPathInside, resolveInside } from '../io/safe-path.ts';
import { parseManifest } from '../io/weights-manifest.ts';

/** One weight from the manifest, decoded. */
export interface ManifestWeight {
  readonly name: string;
  readonly value: Tensor;
}

export interface ModelFolder {
  /** The folder holding model.json and its shards. */
  readonly dir: string;
  /** Where errors point: the model.json path. */
  readonly file: string;
  readonly json: Record<string, unknown>;
  /** Weights in manifest order. */
  readonly weights: readonly ManifestWeight[];
}

const MAX_JSON_BYTES = 64 * 1024 * 1024;
const BYTES = { float32: 4, int32: 4 } as const;

/**
 * Reads a tfjs 'layers-model' folder as untrusted input. Shard paths must stay inside the
 * folder (safe-path.ts: no absolute paths, no `..`, no symbolic link out of it); weights must be
 * float32 or int32 (Reptile has no uint8/float16 storage, and dequantizing silently would change
 * the model); each weight's bytes must be there, and nothing more, so a truncated or padded
 * shard is reported with the weight it breaks rather than decoded into garbage.
 */
export async function readModelFolder(pathToModelJsonOrFolder: string): Promise<ModelFolder> {
  const given = resolve(pathToModelJsonOrFolder);
  const info = await stat(given).catch(() =>
    fail('does not exist', { where: given, hint: 'pass a tfjs model folder or its model.json' }),
  );
  const file = info.isDirectory() ? join(given, 'model.json') : given;
  const dir = info.isDirectory() ? given : dirname(given);
  const json = await readJson(file);
  if (json.format !== undefined && json.format !== 'layers-model') {
    fail(`format ${JSON.stringify(json.format)} is not a LayersModel`, {
      where: `${file}: format`,
      hint: "only 'layers-model' folders (tf.LayersModel.save, tensorflowjs_converter --output_format tfjs_layers_model) can be imported",
    });
  }
  const groups = parseManifest(json.weightsManifest ?? [], `${file}: weightsManifest`);
  const realDir = await realpath(dir);
  const weights: ManifestWeight[] = [];
  for (const [g, group] of groups.entries()) {
    const at = `${file}: weightsManifest[${g}]`;
    for (const [i, w] of group.weights.entries()) checkStorable(w, `${at}.weights[${i}]`);
    const bytes = await readShards(dir, realDir, group.paths, at);
    let offset = 0;
    for (const w of group.weights) {
      const size = sizeOf(w.shape) * BYTES[w.dtype as keyof typeof BYTES];
      if (offset + size > bytes.byteLength) {
        fail(
          `weight '${w.name}' (${w.dtype}[${w.shape}]) needs bytes ${offset}..${offset + size} but the shards hold only ${bytes.byteLength}`,
          { where: at, hint: 'the weight files are truncated or belong to another model; re-save the model' },
        );
      }
      weights.push({ name: w.name, value: decode(bytes, offset, w.shape, w.dtype as keyof typeof BYTES) });
      offset += size;
    }
    if (offset !== bytes.byteLength) {
      const last = group.weights[group.weights.length - 1];
      fail(
        `the shards hold ${bytes.byteLength} bytes but the weights need ${offset}${last ? ` (${bytes.byteLength - offset} extra bytes after '${last.name}')` : ''}`,
        { where: at, hint: 'the weight files are padded or belong to another model; re-save the model' },
      );
    }
  }
  return { dir, file, json, weights };
}

function checkStorable(w: { name: string; dtype: string; quantization?: unknown }, where: string): void {
  if (w.quantization !== undefined) {
    fail(`weight '${w.name}' is quantized, which Reptile does not import`, {
      where: `${where}.quantization`,
      hint: 'convert the model again without --quantize_* options so the weights are float32',
    });
  }
  if (!(w.dtype in BYTES)) {
    fail(`weight '${w.name}' has dtype ${w.dtype}; only float32 and int32 weights are imported`, {
      where: `${where}.dtype`,
    });
  }
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  const info = await stat(file).catch(() =>
    fail(`${basename(file)} does not exist`, { where: file, hint: 'is this a tfjs LayersModel folder?' }),
  );
  if (!info.isFile()) fail('is not a file', { where: file });
  if (info.size > MAX_JSON_BYTES) fail(`is ${info.size} bytes, more than ${MAX_JSON_BYTES}`, { where: file });
  const text = await readBounded(file, info.size);
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new ReptileError(`is not valid JSON (${(error as Error).message})`, {
      where: file,
      hint: 'the file is truncated or not a model.json; re-save the model',
      cause: error,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('must hold a JSON object', { where: file });
  return json as Record<string, unknown>;
}

async function readShards(
  dir: string,
  realDir: string,
  paths: readonly string[],
  where: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const [i, p] of paths.entries()) {
    const at = `${where}.paths[${i}]`;
    const full = resolveInside(dir, p, at);
    const real = await realpath(full).catch(() =>
      fail(`weight file ${JSON.stringify(p)} does not exist`, { where: at }),
    );
    checkRealPathInside(realDir, real, p, at);
    const info = await stat(real);
    if (!info.isFile()) fail(`weight path ${JSON.stringify(p)} is not a regular file`, { where: at });
    parts.push(await readBounded(real, info.size));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Reads at most `size` bytes: the size checked before reading is the size decoded. */
async function readBounded(file: string, size: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** tfjs weight files are little-endian, as are the platforms Node runs on; DataView makes that explicit. */
function decode(
  bytes: Uint8Array,
  offset: number,
  shape: readonly number[],
  dtype: keyof typeof BYTES,
): Tensor {
  const n = sizeOf(shape as Shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * 4);
  if (dtype === 'int32') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
    return Tensor.fromData(out, [...shape], 'int32');
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return Tensor.fromData(out, [...shape], 'float32');
}
