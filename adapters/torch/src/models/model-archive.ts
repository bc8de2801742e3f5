import { FILE_FORMAT_VERSION, rebuildTensor, storageBytes } from '../archive/archive.ts';
import { int, type PickleValue, pickle } from '../archive/pickle.ts';
import { writeZip, type ZipEntry } from '../archive/zip.ts';
import type { ConstTensor } from '../lower/module.ts';

/** The model record inside the archive: `torch.jit.load(path, _extra_files={MODEL_FILE: ''})`. */
export const MODEL_FILE = 'reptile_model.json';
/** Top-level folder of the zip (torch names it after the file stem; any name loads). */
export const ARCHIVE_ROOT = 'archive';

export interface ModuleObject {
  /** Class name inside `__torch__`. */
  readonly className: string;
  /** Attributes in the class's declaration order. */
  readonly attributes: readonly (readonly [string, ModuleValue])[];
}

export type ModuleValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'tensor'; readonly tensor: ConstTensor; readonly requiresGrad: boolean }
  | { readonly kind: 'module'; readonly module: ModuleObject };

export interface ModelArchive {
  readonly root: ModuleObject;
  readonly source: string;
  readonly constants: readonly ConstTensor[];
  /** JSON written to extra/reptile_model.json; may name storages via `storageOf`. */
  readonly record: (storageOf: ReadonlyMap<ConstTensor, string>) => unknown;
}

/**
 * Writes a TorchScript archive whose module holds submodules (one per layer), unlike the
 * artifact writer's flat module. Parameters are stored with requires_grad=True, as
 * `torch.jit.save` stores them, so a PyTorch user can fine-tune the loaded model directly.
 * Every tensor's storage is its own `data/N` entry; the record maps each to its entry so
 * Reptile can read weights back without unpickling.
 */
export function writeModelArchive(archive: ModelArchive): Uint8Array {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('writing TorchScript archives needs a little-endian host');
  const entries: ZipEntry[] = [];
  const storageOf = new Map<ConstTensor, string>();
  const store = (t: ConstTensor, folder: 'data' | 'constants', key: number, requiresGrad: boolean) => {
    const name = `${folder}/${key}`;
    entries.push({ name: `${ARCHIVE_ROOT}/${name}`, data: storageBytes(t) });
    storageOf.set(t, name);
    return rebuildTensor(t, String(key), requiresGrad);
  };
  let next = 0;
  const object = (m: ModuleObject): PickleValue => {
    const state: [PickleValue, PickleValue][] = [['training', false]];
    for (const [name, v] of m.attributes) {
      if (v.kind === 'int') state.push([name, int(v.value)]);
      else if (v.kind === 'tensor') state.push([name, store(v.tensor, 'data', next++, v.requiresGrad)]);
      else state.push([name, object(v.module)]);
    }
    return { object: ['__torch__', m.className], state: { dict: state } };
  };
  const data = pickle(object(archive.root));
  const constants = pickle({ tuple: archive.constants.map((c, i) => store(c, 'constants', i, false)) });
  const text = new TextEncoder();
  entries.push(
    { name: `${ARCHIVE_ROOT}/data.pkl`, data },
    { name: `${ARCHIVE_ROOT}/code/__torch__.py`, data: text.encode(archive.source) },
    { name: `${ARCHIVE_ROOT}/constants.pkl`, data: constants },
    { name: `${ARCHIVE_ROOT}/version`, data: text.encode(`${FILE_FORMAT_VERSION}\n`) },
    { name: `${ARCHIVE_ROOT}/byteorder`, data: text.encode('little') },
    {
      name: `${ARCHIVE_ROOT}/extra/${MODEL_FILE}`,
      data: text.encode(JSON.stringify(archive.record(storageOf))),
    },
  );
  return writeZip(entries);
}
