import { crc32 } from '../archive/crc32.ts';
import { fail } from '../core.ts';

export interface ZipFile {
  readonly name: string;
  /** null for a compressed entry: listed (so a foreign archive can be recognised), not read. */
  readonly data: Uint8Array | null;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END_SIZE = 22;
const LOCAL_SIZE = 30;
const CENTRAL_SIZE = 46;

/**
 * Reads the stored (uncompressed) entries of a zip, as Reptile writes TorchScript archives,
 * refusing anything it cannot vouch for: truncation, offsets outside the file, encrypted
 * entries, ZIP64 directories, CRC mismatches, duplicate names, and names that could escape a
 * folder if extracted ('..', absolute paths, backslashes, drive letters, NUL). Compressed
 * entries (torch.jit.save compresses code files) are listed with no data.
 */
export function readStoredZip(bytes: Uint8Array, where: string): ZipFile[] {
  const bad = (what: string): never =>
    fail(what, {
      where,
      hint: 'the file is damaged or not a TorchScript archive; export it again with exportTorchScript',
    });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // the end record sits in the last 22 + 65535 (max comment) bytes
  let end = bytes.length - END_SIZE;
  const stop = Math.max(0, bytes.length - END_SIZE - 0xffff);
  while (end >= stop && view.getUint32(end, true) !== END) end--;
  if (end < stop) bad('is not a zip archive (no end-of-central-directory record; truncated?)');
  const count = view.getUint16(end + 10, true);
  const dirSize = view.getUint32(end + 12, true);
  const dirStart = view.getUint32(end + 16, true);
  if (count === 0xffff || dirStart === 0xffffffff) bad('is a ZIP64 archive, which Reptile never writes');
  if (dirStart + dirSize > end) bad('has a central directory outside the file (truncated?)');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const files: ZipFile[] = [];
  const names = new Set<string>();
  let p = dirStart;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_SIZE > end || view.getUint32(p, true) !== CENTRAL)
      bad(`has a corrupt central directory (entry ${i})`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const packed = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const skip = nameLen + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    if (p + CENTRAL_SIZE + skip > end) bad(`has a corrupt central directory (entry ${i})`);
    let name = '';
    try {
      name = decoder.decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen));
    } catch {
      bad(`entry ${i} has a name that is not UTF-8`);
    }
    checkEntryName(name, where);
    if (names.has(name)) bad(`has two entries named '${name}'`);
    names.add(name);
    if (flags & 1) bad(`entry '${name}' is encrypted`);
    if (method !== 0) {
      files.push({ name, data: null });
      p += CENTRAL_SIZE + skip;
      continue;
    }
    if (packed !== size) bad(`entry '${name}' has different stored and unpacked sizes`);
    if (local + LOCAL_SIZE > dirStart || view.getUint32(local, true) !== LOCAL)
      bad(`entry '${name}' points at a missing local header (truncated?)`);
    const dataAt = local + LOCAL_SIZE + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataAt + size > dirStart) bad(`entry '${name}' runs past the end of the data (truncated?)`);
    const data = bytes.subarray(dataAt, dataAt + size);
    if (crc32(data) !== crc) bad(`entry '${name}' fails its CRC-32 check (corrupted)`);
    files.push({ name, data });
    p += CENTRAL_SIZE + skip;
  }
  return files;
}

/** Zip-slip: a name must stay inside the folder it would be extracted to. */
function checkEntryName(name: string, where: string): void {
  const unsafe =
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((part) => part === '..' || part === '.');
  if (unsafe)
    fail(`has an entry named ${JSON.stringify(name)}, which points outside the archive`, {
      where,
      hint: 'refusing a crafted archive; only import files written by exportTorchScript',
    });
}
