import { crc32 } from './crc32.ts';

export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

/** torch aligns every record's data to 64 bytes so tensors can be used straight from an mmap. */
export const ALIGNMENT = 64;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;
/** Extra-field id torch's writer uses for its alignment padding ('FB'). */
const PAD_ID = 0x4246;
const MAX_U32 = 0xffffffff;

const utf8 = new TextEncoder();

/**
 * Writes a zip archive of stored (uncompressed) entries, each entry's data aligned to 64 bytes
 * with a padding extra field, as PyTorch's own writer does. Archives past 4 GiB would need
 * ZIP64 records, which this writer does not produce: it refuses instead.
 */
export function writeZip(entries: readonly ZipEntry[]): Uint8Array {
  const names = entries.map((e) => utf8.encode(e.name));
  const pads: number[] = [];
  let offset = 0;
  const offsets: number[] = [];
  entries.forEach((e, i) => {
    offsets.push(offset);
    const headerEnd = offset + LOCAL_HEADER + names[i]!.length;
    // the extra field itself needs 4 bytes (id + length) before its padding
    const pad = 4 + ((ALIGNMENT - ((headerEnd + 4) % ALIGNMENT)) % ALIGNMENT);
    pads.push(pad);
    offset = headerEnd + pad + e.data.length;
  });
  const centralSize = entries.reduce((s, _, i) => s + CENTRAL_HEADER + names[i]!.length, 0);
  const total = offset + centralSize + END_RECORD;
  if (total > MAX_U32 || entries.length > 0xffff) {
    throw new Error(
      `archive of ${total} bytes / ${entries.length} entries needs ZIP64, which is not supported`,
    );
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const crcs = entries.map((e) => crc32(e.data));
  entries.forEach((e, i) => {
    let p = offsets[i]!;
    view.setUint32(p, 0x04034b50, true);
    view.setUint16(p + 4, 20, true); // version needed: 2.0
    view.setUint16(p + 6, 0x0800, true); // flags: UTF-8 names
    view.setUint16(p + 8, 0, true); // method: stored
    view.setUint16(p + 10, 0, true); // time
    view.setUint16(p + 12, 0x21, true); // date 1980-01-01
    view.setUint32(p + 14, crcs[i]!, true);
    view.setUint32(p + 18, e.data.length, true);
    view.setUint32(p + 22, e.data.length, true);
    view.setUint16(p + 26, names[i]!.length, true);
    view.setUint16(p + 28, pads[i]!, true);
    p += LOCAL_HEADER;
    out.set(names[i]!, p);
    p += names[i]!.length;
    view.setUint16(p, PAD_ID, true);
    view.setUint16(p + 2, pads[i]! - 4, true);
    out.fill(0x5a, p + 4, p + pads[i]!); // 'Z', as torch pads
    p += pads[i]!;
    out.set(e.data, p);
  });
  let p = offset;
  entries.forEach((e, i) => {
    view.setUint32(p, 0x02014b50, true);
    view.setUint16(p + 4, 0x031e, true); // made by: unix, 3.0
    view.setUint16(p + 6, 20, true);
    view.setUint16(p + 8, 0x0800, true);
    view.setUint16(p + 10, 0, true);
    view.setUint16(p + 12, 0, true);
    view.setUint16(p + 14, 0x21, true);
    view.setUint32(p + 16, crcs[i]!, true);
    view.setUint32(p + 20, e.data.length, true);
    view.setUint32(p + 24, e.data.length, true);
    view.setUint16(p + 28, names[i]!.length, true);
    view.setUint16(p + 30, 0, true); // extra (the central copy carries no padding)
    view.setUint16(p + 32, 0, true); // comment
    view.setUint16(p + 34, 0, true); // disk
    view.setUint16(p + 36, 0, true); // internal attributes
    view.setUint32(p + 38, 0o100644 * 0x10000, true); // external: regular file, rw-r--r--
    view.setUint32(p + 42, offsets[i]!, true);
    out.set(names[i]!, p + CENTRAL_HEADER);
    p += CENTRAL_HEADER + names[i]!.length;
  });
  view.setUint32(p, 0x06054b50, true);
  view.setUint16(p + 8, entries.length, true);
  view.setUint16(p + 10, entries.length, true);
  view.setUint32(p + 12, centralSize, true);
  view.setUint32(p + 16, offset, true);
  return out;
}

/** Reads back a zip written by `writeZip` (stored entries only); used by tests and diagnostics. */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - END_RECORD;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip archive: no end-of-central-directory record');
  const count = view.getUint16(end + 10, true);
  let p = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = view.getUint16(p + 10, true);
    const size = view.getUint32(p + 20, true);
    const nameLen = view.getUint16(p + 28, true);
    const skip = nameLen + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const name = decoder.decode(bytes.subarray(p + CENTRAL_HEADER, p + CENTRAL_HEADER + nameLen));
    if (method !== 0)
      throw new Error(`zip entry '${name}' is compressed (method ${method}); only stored entries are read`);
    const dataAt = local + LOCAL_HEADER + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    entries.push({ name, data: bytes.subarray(dataAt, dataAt + size) });
    p += CENTRAL_HEADER + skip;
  }
  return entries;
}
