import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fail, ReptileError } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkRealPathInside, resolveInside } from './safe-path.ts';
import { parseManifest } from './weights-manifest.ts';

export interface FileSystemOptions {
  /** Largest weight file written, in bytes (tfjs' converter uses 4 MiB). */
  readonly shardSizeBytes?: number;
  /** model.json files larger than this are refused (default 64 MiB): it holds topology only. */
  readonly maxModelJsonBytes?: number;
}

const MODEL_JSON = 'model.json';
const SHARD = /^weights-[0-9a-f]{12}-\d+of\d+\.bin$/;

/**
 * A tfjs IOHandler that saves and loads LayersModels as a folder (model.json plus sharded
 * weight files) with Node's fs, without tfjs-node: `model.save(fileSystem('out/model'))`,
 * `tf.loadLayersModel(fileSystem('out/model'))`.
 *
 * Saving is atomic: shards get names unique to this save, every file is written to a temporary
 * name and renamed, and model.json is renamed last, so a crash leaves the previous model intact;
 * shards of earlier saves are removed afterwards. Loading treats model.json as untrusted: weight
 * paths are resolved safely (safe-path.ts) and byte counts must match the weight specs.
 */
export function fileSystem(folder: string, options: FileSystemOptions = {}): tf.io.IOHandler {
  const dir = resolve(folder);
  const shardSize = options.shardSizeBytes ?? 4 * 1024 * 1024;
  const maxJson = options.maxModelJsonBytes ?? 64 * 1024 * 1024;
  if (!(Number.isInteger(shardSize) && shardSize > 0)) {
    fail(`shardSizeBytes must be a positive integer, got ${shardSize}`, { where: 'fileSystem' });
  }
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        fail('binary (GraphDef) topologies are not supported', {
          where: 'fileSystem.save',
          hint: 'save a LayersModel',
        });
      }
      await mkdir(dir, { recursive: true });
      const data = new Uint8Array(
        tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)),
      );
      const id = randomBytes(6).toString('hex');
      const count = Math.max(1, Math.ceil(data.byteLength / shardSize));
      const paths = Array.from({ length: count }, (_, i) => `weights-${id}-${i + 1}of${count}.bin`);
      const manifest: tf.io.WeightsManifestConfig = [{ paths, weights: artifacts.weightSpecs ?? [] }];
      const json = modelJson(artifacts, manifest);
      for (let i = 0; i < count; i++) {
        await writeAtomic(join(dir, paths[i]!), data.subarray(i * shardSize, (i + 1) * shardSize));
      }
      await writeAtomic(join(dir, MODEL_JSON), JSON.stringify(json));
      await removeStaleShards(dir, new Set(paths));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const where = join(dir, MODEL_JSON);
      const json = await readModelJson(where, maxJson);
      const groups = parseManifest(json.weightsManifest, `${where}: weightsManifest`);
      const realDir = await realpath(dir);
      const parts: Uint8Array[] = [];
      for (const [g, group] of groups.entries()) {
        const files = await Promise.all(
          group.paths.map(async (p, i) => {
            const at = `${where}: weightsManifest[${g}].paths[${i}]`;
            const file = resolveInside(dir, p, at);
            const real = await realpath(file).catch(() =>
              fail(`weight file ${JSON.stringify(p)} does not exist`, { where: at }),
            );
            checkRealPathInside(realDir, real, p, at);
            const info = await stat(real);
            if (!info.isFile()) fail(`weight path ${JSON.stringify(p)} is not a regular file`, { where: at });
            return { real, size: info.size };
          }),
        );
        const total = files.reduce((n, f) => n + f.size, 0);
        if (total !== group.bytes) {
          fail(`weight files hold ${total} bytes but the weight specs need ${group.bytes}`, {
            where: `${where}: weightsManifest[${g}]`,
            hint: 'the weights are truncated, padded or from another model; re-save the model',
          });
        }
        for (const f of files) parts.push(await readFile(f.real));
      }
      const weightData = concat(parts);
      const weightSpecs = groups.flatMap((g) => g.weights);
      return tf.io.getModelArtifactsForJSONSync(json as unknown as tf.io.ModelJSON, weightSpecs, weightData);
    },
  };
}

/** model.json as tfjs writes it: topology, manifest, and whichever optional fields are present. */
function modelJson(artifacts: tf.io.ModelArtifacts, manifest: tf.io.WeightsManifestConfig): tf.io.ModelJSON {
  const json: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: manifest,
  };
  for (const key of [
    'signature',
    'userDefinedMetadata',
    'modelInitializer',
    'initializerSignature',
    'trainingConfig',
  ] as const) {
    if (artifacts[key] != null) json[key] = artifacts[key];
  }
  return json as unknown as tf.io.ModelJSON;
}

/**
 * Lets `model.save('file://path')` and `tf.loadLayersModel('file://path')` use `fileSystem`.
 * Skipped (returns false) when another `file://` handler is registered already, e.g. by
 * tfjs-node, so the two never compete for the same URLs.
 */
export function registerFileSystemRouter(): boolean {
  const probe = 'file:///reptile-probe';
  if (tf.io.getSaveHandlers(probe).length > 0 || tf.io.getLoadHandlers(probe).length > 0) return false;
  // tfjs routers return null for URLs they do not handle, though its type says IOHandler.
  const route = ((url: string | string[]) => {
    const u = Array.isArray(url) ? url[0] : url;
    return typeof u === 'string' && u.startsWith('file://') ? fileSystem(u.slice('file://'.length)) : null;
  }) as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(route);
  tf.io.registerLoadRouter(route);
  return true;
}

async function readModelJson(path: string, maxBytes: number): Promise<Record<string, unknown>> {
  const info = await stat(path).catch(() =>
    fail('model.json does not exist', { where: path, hint: 'check the folder' }),
  );
  if (info.size > maxBytes) fail(`model.json is ${info.size} bytes, more than ${maxBytes}`, { where: path });
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ReptileError(`is not valid JSON (${(error as Error).message})`, { where: path, cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('must hold a JSON object', { where: path });
  const obj = json as Record<string, unknown>;
  if (typeof obj.modelTopology !== 'object' || obj.modelTopology === null) {
    fail('modelTopology is missing', { where: path, hint: 'is this a tfjs LayersModel folder?' });
  }
  return obj;
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Removes shards written by earlier saves (only files named like ours, never user files). */
async function removeStaleShards(dir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const name of await readdir(dir)) {
    if (SHARD.test(name) && !keep.has(name)) await rm(join(dir, name), { force: true });
  }
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out.buffer;
}
