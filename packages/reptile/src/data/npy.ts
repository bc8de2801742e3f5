import { open } from 'node:fs/promises';
import { fail } from '@reptile/core';
import { checkReadable } from './read-text.ts';

/** Element types NumPy writes that Reptile reads ('<' little-endian, '|' byte-sized). */
const DTYPES: Record<string, { bytes: number; read: (v: DataView, at: number) => number }> = {
  '<f4': { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  '<f8': { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
  '<i4': { bytes: 4, read: (v, at) => v.getInt32(at, true) },
  '<i8': { bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) },
  '<i2': { bytes: 2, read: (v, at) => v.getInt16(at, true) },
  '<u2': { bytes: 2, read: (v, at) => v.getUint16(at, true) },
  '|u1': { bytes: 1, read: (v, at) => v.getUint8(at) },
  '|i1': { bytes: 1, read: (v, at) => v.getInt8(at) },
  '|b1': { bytes: 1, read: (v, at) => v.getUint8(at) },
};

export interface NpyArray {
  readonly shape: number[];
  readonly descr: string;
  /** Values converted to float64 (int64 beyond 2^53 loses precision, as in NumPy's float cast). */
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Reads a .npy file (format versions 1–3): the header, then the data in chunks straight into a
 * typed array, so no text copy of the file is ever made.
 */
export async function readNpy(path: string): Promise<NpyArray> {
  const size = await checkReadable(path);
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(12);
    const { bytesRead } = await file.read(head, 0, 12, 0);
    if (bytesRead < 10 || !MAGIC.every((b, i) => head[i] === b))
      fail('is not a NumPy .npy file (bad magic bytes)', {
        where: path,
        hint: 'save arrays with numpy.save',
      });
    const major = head[6]!;
    const view = new DataView(head.buffer);
    const [headerLen, headerStart] =
      major === 1 ? [view.getUint16(8, true), 10] : [view.getUint32(8, true), 12];
    if (major < 1 || major > 3) fail(`unsupported .npy version ${major}`, { where: path });
    if (headerStart + headerLen > size) fail('is truncated inside its header', { where: path });
    const headerBytes = new Uint8Array(headerLen);
    await file.read(headerBytes, 0, headerLen, headerStart);
    const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
    const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
    const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
    const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
    if (descr === undefined || fortran === undefined || shapeText === undefined)
      fail(`has an unreadable header: ${header.trim()}`, { where: path });
    const type =
      DTYPES[descr] ??
      fail(`dtype '${descr}' is not supported`, {
        where: path,
        hint: `use one of ${Object.keys(DTYPES).join(', ')} (little-endian)`,
      });
    if (fortran === 'True')
      fail('is stored in Fortran order', {
        where: path,
        hint: 'save a C-ordered array: numpy.save(path, numpy.ascontiguousarray(a))',
      });
    const shape = shapeText
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(Number);
    const count = shape.reduce((a, b) => a * b, 1);
    const dataStart = headerStart + headerLen;
    const expected = count * type.bytes;
    if (size - dataStart < expected)
      fail(
        `holds ${size - dataStart} data bytes, shape (${shape.join(', ')}) of ${descr} needs ${expected}`,
        {
          where: path,
          hint: 'the file is truncated',
        },
      );
    const data = new Float64Array(count);
    const chunk = new Uint8Array(Math.max(type.bytes, (1 << 20) - ((1 << 20) % type.bytes)));
    let done = 0;
    while (done < count) {
      const n = Math.min(chunk.length / type.bytes, count - done);
      await file.read(chunk, 0, n * type.bytes, dataStart + done * type.bytes);
      const v = new DataView(chunk.buffer, 0, n * type.bytes);
      for (let i = 0; i < n; i++) data[done + i] = type.read(v, i * type.bytes);
      done += n;
    }
    return { shape, descr, data };
  } finally {
    await file.close();
  }
}

/** The bytes of a version-1 .npy file holding float32 ('<f4') or int32 ('<i4') values. */
export function encodeNpy(data: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // the data starts on a 64-byte boundary; the header ends with a newline
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1)}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
