import { readFile } from 'node:fs/promises';
import { METADATA_FILE } from '../archive/archive.ts';
import {
  asObject,
  checkKeys,
  type DType,
  fail,
  type JsonObject,
  parseDType,
  sizeOf,
  Tensor,
  type TypedArray,
} from '../core.ts';
import { ITEM_SIZE } from '../lower/dtypes.ts';
import { MODEL_RECORD_FORMAT } from './export.ts';
import { MODEL_FILE } from './model-archive.ts';
import { readStoredZip, type ZipFile } from './zip-reader.ts';

/** A Reptile model read back from a TorchScript archive Reptile wrote. */
export interface ImportedTorchScriptModel {
  /** The model config exactly as exported (`Sequential.fromConfig` / `layerFromConfig` input). */
  readonly config: JsonObject;
  /** Weight values, bit-exact, in the model's `weights` order. */
  readonly weights: Tensor[];
  /** Weight paths ('dense_1/kernel'), parallel to `weights`. */
  readonly paths: string[];
  /** PyTorch's names for them ('dense_1.kernel'), parallel to `weights`. */
  readonly torchNames: string[];
}

const FOREIGN_HINT =
  'only TorchScript exported by Reptile (exportTorchScript) can be imported; for another PyTorch model, ' +
  'export it with torch.onnx.export(model, example_input, "model.onnx") and import the ONNX file';

/** Reads a `.pt` file written by exportTorchScript back into a config and weights. */
export async function importTorchScript(path: string): Promise<ImportedTorchScriptModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return fail(`cannot read the file (${(error as Error).message})`, {
      where: path,
      hint: 'check the path',
    });
  }
  return readTorchScriptModel(bytes, path);
}

/**
 * The pure part of importTorchScript. Weights come from the raw storages the embedded record
 * names (`data/N`), not from unpickling data.pkl, so nothing in the archive is executed or
 * interpreted beyond JSON and bytes.
 */
export function readTorchScriptModel(
  bytes: Uint8Array,
  where = 'TorchScript archive',
): ImportedTorchScriptModel {
  // a Node Buffer's slice() is a view, not a copy: work on a plain Uint8Array view
  const files = readStoredZip(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), where);
  const roots = new Set(files.map((f) => f.name.split('/')[0]!));
  const root = roots.size === 1 ? [...roots][0]! : undefined;
  const byName = new Map(files.map((f) => [f.name, f]));
  const record = root === undefined ? undefined : byName.get(`${root}/extra/${MODEL_FILE}`);
  if (!record) {
    const artifact = root !== undefined && byName.has(`${root}/extra/${METADATA_FILE}`);
    fail(
      artifact
        ? 'is a Reptile artifact (an optimizer step, loss or train step), not an exported model'
        : files.some((f) => f.name.endsWith('/data.pkl'))
          ? 'is a TorchScript archive that Reptile did not write'
          : `is not a Reptile TorchScript model (no ${MODEL_FILE} inside)`,
      { where, hint: FOREIGN_HINT },
    );
  }
  const compressed = files.find((f) => f.data === null);
  if (compressed)
    fail(
      `entry '${compressed.name}' is compressed: the archive was re-saved or modified after Reptile wrote it`,
      {
        where,
        hint: 'import the file exportTorchScript wrote; a torch.jit.save copy loses the Reptile record',
      },
    );
  const json = parseRecord(record.data!, `${where}: ${MODEL_FILE}`);
  return readWeights(json, byName, root!, where);
}

function parseRecord(data: Uint8Array, where: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (error) {
    fail(`is not valid JSON (${(error as Error).message})`, {
      where,
      hint: 'the archive is damaged; export it again',
    });
  }
  const obj = asObject(value, where);
  checkKeys(obj, ['format', 'version', 'model', 'batchSize', 'inputs', 'outputs', 'weights'], where);
  if (obj.format !== MODEL_RECORD_FORMAT || obj.version !== 1)
    fail(`is not a '${MODEL_RECORD_FORMAT}' version 1 record`, {
      where: `${where}.format`,
      hint: 'it was written by a newer or different exporter; upgrade Reptile',
    });
  asObject(obj.model, `${where}.model`);
  if (!Array.isArray(obj.weights)) fail('expected a list', { where: `${where}.weights` });
  return obj;
}

function readWeights(
  record: JsonObject,
  files: ReadonlyMap<string, ZipFile>,
  root: string,
  where: string,
): ImportedTorchScriptModel {
  const at = `${where}: ${MODEL_FILE}.weights`;
  const paths: string[] = [];
  const torchNames: string[] = [];
  const used = new Set<string>();
  const weights = (record.weights as unknown[]).map((value, i) => {
    const w = asObject(value, `${at}[${i}]`);
    checkKeys(w, ['path', 'name', 'kind', 'dtype', 'shape', 'trainable', 'storage'], `${at}[${i}]`);
    if (typeof w.path !== 'string' || typeof w.name !== 'string')
      fail('needs string path and name', { where: `${at}[${i}]` });
    if (paths.includes(w.path)) fail(`weight '${w.path}' is listed twice`, { where: `${at}[${i}].path` });
    const dtype: DType = parseDType(w.dtype, `${at}[${i}].dtype`);
    const shape = w.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail('expected a list of non-negative integers', { where: `${at}[${i}].shape` });
    if (typeof w.storage !== 'string' || !/^data\/[0-9]+$/.test(w.storage) || used.has(w.storage))
      fail(`storage ${JSON.stringify(w.storage)} is not a data/N entry of its own`, {
        where: `${at}[${i}].storage`,
      });
    used.add(w.storage);
    const file = files.get(`${root}/${w.storage}`);
    if (!file)
      fail(`the archive has no entry '${root}/${w.storage}' for weight '${w.path}'`, {
        where,
        hint: 'the archive is incomplete; export it again',
      });
    const bytes = sizeOf(shape as number[]) * ITEM_SIZE[dtype];
    if (file.data!.length !== bytes)
      fail(
        `weight '${w.path}' (${dtype}[${shape}]) needs ${bytes} bytes but '${file.name}' has ${file.data!.length}`,
        { where, hint: 'the archive is damaged; export it again' },
      );
    paths.push(w.path);
    torchNames.push(w.name);
    return Tensor.fromData(typed(file.data!, dtype), shape as number[], dtype);
  });
  return { config: record.model as JsonObject, weights, paths, torchNames };
}

/** A copy of little-endian bytes as the dtype's array (the copy also fixes alignment). */
function typed(bytes: Uint8Array, dtype: DType): TypedArray {
  const buffer = new Uint8Array(bytes).buffer; // a copy: own, aligned storage
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'bool':
      return new Uint8Array(buffer);
  }
}
