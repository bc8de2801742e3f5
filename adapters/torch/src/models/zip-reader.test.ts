import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeZip } from '../archive/zip.ts';
import { ReptileError } from '../core.ts';
import { readStoredZip } from './zip-reader.ts';

const text = (s: string) => new TextEncoder().encode(s);

/** Offset of the central directory entry for the i-th file (entries are written in order). */
function centralEntry(zip: Uint8Array, i: number): number {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let p = view.getUint32(zip.length - 22 + 16, true);
  for (let k = 0; k < i; k++)
    p += 46 + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  return p;
}

describe('readStoredZip', () => {
  it('reads back whatever writeZip wrote', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}(\/[a-z0-9]{1,8}){0,2}$/), { maxLength: 6 }),
        fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 6, maxLength: 6 }),
        (names, blobs) => {
          const entries = names.map((name, i) => ({ name, data: blobs[i]! }));
          const got = readStoredZip(writeZip(entries), 'x.pt');
          expect(got.map((f) => f.name)).toEqual(names);
          got.forEach((f, i) => {
            expect(Array.from(f.data!)).toEqual(Array.from(blobs[i]!));
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('lists compressed entries without data and refuses encrypted ones', () => {
    const zip = writeZip([
      { name: 'a/x', data: text('hello') },
      { name: 'a/y', data: text('world') },
    ]);
    const compressed = zip.slice();
    new DataView(compressed.buffer).setUint16(centralEntry(compressed, 1) + 10, 8, true);
    expect(readStoredZip(compressed, 'x.pt')).toEqual([
      { name: 'a/x', data: text('hello') },
      { name: 'a/y', data: null },
    ]);
    const encrypted = zip.slice();
    new DataView(encrypted.buffer).setUint16(centralEntry(encrypted, 0) + 8, 1, true);
    expect(() => readStoredZip(encrypted, 'x.pt')).toThrow(/x\.pt: entry 'a\/x' is encrypted/);
  });

  it('refuses ZIP64 markers and names with NUL', () => {
    const zip = writeZip([{ name: 'a/x', data: text('hello') }]);
    const zip64 = zip.slice();
    new DataView(zip64.buffer).setUint16(zip64.length - 22 + 10, 0xffff, true);
    expect(() => readStoredZip(zip64, 'x.pt')).toThrow(/ZIP64/);
    expect(() => readStoredZip(writeZip([{ name: 'a/\0x', data: text('') }]), 'x.pt')).toThrow(ReptileError);
  });
});
