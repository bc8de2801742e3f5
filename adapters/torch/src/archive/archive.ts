import { ITEM_SIZE, STORAGE_CLASS } from '../lower/dtypes.ts';
import type { ConstTensor, TorchScriptModule } from '../lower/module.ts';
import { int, type PickleValue, pickle, tuple } from './pickle.ts';
import { writeZip, type ZipEntry } from './zip.ts';

/**
 * File format version written to `version`. Version 4+ means `aten::div` and `torch.full` have
 * their current semantics, so no operator upgraders rewrite our calls on load; torch 2.x reads up
 * to its kMaxSupportedFileFormatVersion, well above this.
 */
export const FILE_FORMAT_VERSION = 6;

/** The archive's metadata record (`extra/reptile.json`), read by the bridge worker on load. */
export const METADATA_FILE = 'reptile.json';

export interface ArchiveOptions {
  /** Top-level folder inside the zip; torch uses the file's stem. Default 'archive'. */
  readonly root?: string;
  /** Extra JSON-serialisable metadata stored beside the signature. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * Serialises a lowered module as a TorchScript archive that stock `torch.jit.load` accepts:
 * a zip holding data.pkl (the module object and its buffers), constants.pkl (tensors the code
 * names `CONSTANTS.cN`), the class source under code/, raw little-endian tensor storages under
 * data/ and constants/, and version/byteorder records. Written without Python.
 */
export function writeTorchScriptArchive(mod: TorchScriptModule, options: ArchiveOptions = {}): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('writing TorchScript archives needs a little-endian host');
  }
  const root = options.root ?? 'archive';
  const entries: ZipEntry[] = [];
  const tensor = (t: ConstTensor, folder: 'data' | 'constants', key: number): PickleValue => {
    entries.push({ name: `${root}/${folder}/${key}`, data: storageBytes(t) });
    return rebuildTensor(t, String(key));
  };
  const state: [PickleValue, PickleValue][] = [['training', false]];
  for (const [name, value] of Object.entries(mod.attributes)) state.push([name, int(value)]);
  mod.buffers.forEach((b, i) => {
    state.push([b.name, tensor(b.tensor, 'data', i)]);
  });
  const data = pickle({ object: ['__torch__', mod.className], state: { dict: state } });
  const constants = pickle({ tuple: mod.constants.map((c, i) => tensor(c, 'constants', i)) });
  const text = new TextEncoder();
  const metadata = { format: 'reptile-torchscript/1', ...options.metadata, signature: mod.signature };
  entries.push(
    { name: `${root}/data.pkl`, data },
    { name: `${root}/code/__torch__.py`, data: text.encode(mod.source) },
    { name: `${root}/constants.pkl`, data: constants },
    { name: `${root}/version`, data: text.encode(`${FILE_FORMAT_VERSION}\n`) },
    { name: `${root}/byteorder`, data: text.encode('little') },
    { name: `${root}/extra/${METADATA_FILE}`, data: text.encode(JSON.stringify(metadata)) },
  );
  return writeZip(entries);
}

/**
 * torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks), the
 * storage being a persistent id ('storage', <dtype storage class>, key, device, numel).
 * Keys are file names inside the pickle's own storage folder: data/ for data.pkl, constants/ for
 * constants.pkl. Model parameters are rebuilt with requires_grad set (adapters/torch/src/models).
 */
export function rebuildTensor(t: ConstTensor, key: string, requiresGrad = false): PickleValue {
  const strides: number[] = [];
  let s = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    strides.unshift(s);
    s *= Math.max(t.shape[i]!, 1);
  }
  const storage: PickleValue = {
    persid: tuple('storage', { global: ['torch', STORAGE_CLASS[t.dtype]] }, key, 'cpu', int(t.data.length)),
  };
  return {
    reduce: { global: ['torch._utils', '_rebuild_tensor_v2'] },
    args: [
      storage,
      int(0),
      { tuple: t.shape.map(int) },
      { tuple: strides.map(int) },
      requiresGrad,
      { reduce: { global: ['collections', 'OrderedDict'] }, args: [] },
    ],
  };
}

export function storageBytes(t: ConstTensor): Uint8Array {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * ITEM_SIZE[t.dtype]);
  return bytes.slice(); // own copy: the archive must not change if the caller reuses the array
}
