import { type DType, ReptileError, type TypedArray } from '../core.ts';
import { ITEM_SIZE } from '../lower/dtypes.ts';

/**
 * The bridge's wire format (python/reptile_worker.py is the other end). Every frame is
 *
 *   u32 length of the rest | u32 header length | header (UTF-8 JSON) | zero pad to 8 | blobs
 *
 * little-endian, with each blob at an 8-aligned offset listed in the header. Tensors are raw
 * little-endian bytes described by dtype and shape; JSON only ever carries metadata, so no value
 * is rounded through a decimal string and a 64 MiB tensor costs one memcpy per side.
 */
export interface WireTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TypedArray;
}

/** A blob is a tensor or opaque bytes (an archive being loaded). */
export type Blob = WireTensor | Uint8Array;

export interface BlobMeta {
  readonly dtype: DType | 'bytes';
  readonly shape: readonly number[];
  readonly offset: number;
  readonly bytes: number;
}

export interface Frame {
  readonly header: Record<string, unknown> & { readonly tensors?: readonly BlobMeta[] };
  /** Blobs decoded as tensors (views into the frame's buffer, 8-aligned, no copy). */
  readonly tensors: WireTensor[];
}

const align8 = (n: number) => (n + 7) & ~7;
const utf8 = new TextEncoder();

const STORAGE = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/** Checks that a tensor's storage matches its dtype and shape before it is sent. */
export function checkWireTensor(t: WireTensor, where: string): void {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (!(t.data instanceof STORAGE[t.dtype]) || t.data.length !== size) {
    throw new ReptileError(
      `${t.data.constructor.name} of ${t.data.length} values does not hold ${t.dtype}[${t.shape.join(',')}]`,
      { where, hint: `pass a ${STORAGE[t.dtype].name} of ${size} values` },
    );
  }
}

/** Encodes a frame as a list of chunks to write in order (blobs are not copied). */
export function encodeFrame(header: Record<string, unknown>, blobs: readonly Blob[]): Uint8Array[] {
  const metas: BlobMeta[] = [];
  let offset = 0;
  blobs.forEach((b, i) => {
    if (!(b instanceof Uint8Array)) checkWireTensor(b, `tensor ${i} of '${String(header.op)}'`);
  });
  for (const b of blobs) {
    const bytes = b instanceof Uint8Array ? b.length : b.data.byteLength;
    metas.push(
      b instanceof Uint8Array
        ? { dtype: 'bytes', shape: [bytes], offset, bytes }
        : { dtype: b.dtype, shape: [...b.shape], offset, bytes },
    );
    offset = align8(offset + bytes);
  }
  const json = utf8.encode(JSON.stringify({ ...header, tensors: metas }));
  const base = align8(4 + json.length);
  const head = new Uint8Array(4 + base);
  const view = new DataView(head.buffer);
  view.setUint32(0, base + offset, true);
  view.setUint32(4, json.length, true);
  head.set(json, 8);
  if (base + offset > 0xffffffff) throw new Error(`frame of ${base + offset} bytes exceeds the 4 GiB limit`);
  const chunks: Uint8Array[] = [head];
  blobs.forEach((b, i) => {
    const bytes =
      b instanceof Uint8Array ? b : new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
    if (bytes.length > 0) chunks.push(bytes);
    const pad = align8(metas[i]!.bytes) - metas[i]!.bytes;
    if (pad > 0) chunks.push(new Uint8Array(pad));
  });
  return chunks;
}

/** Incremental decoder: feed stdout chunks, get whole frames. */
export class FrameReader {
  private lengthBytes = new Uint8Array(4);
  private lengthHave = 0;
  private frame: Uint8Array | undefined;
  private have = 0;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length) {
      if (this.frame === undefined) {
        const take = Math.min(4 - this.lengthHave, chunk.length - p);
        this.lengthBytes.set(chunk.subarray(p, p + take), this.lengthHave);
        this.lengthHave += take;
        p += take;
        if (this.lengthHave < 4) return;
        const length = new DataView(this.lengthBytes.buffer).getUint32(0, true);
        // own buffer at offset 0 (blob views are aligned), not zero-filled: every byte is written
        this.frame = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
        this.have = 0;
        this.lengthHave = 0;
      }
      const take = Math.min(this.frame.length - this.have, chunk.length - p);
      this.frame.set(chunk.subarray(p, p + take), this.have);
      this.have += take;
      p += take;
      if (this.have === this.frame.length) {
        const done = this.frame;
        this.frame = undefined;
        this.onFrame(decodeFrame(done));
      }
    }
  }
}

export function decodeFrame(frame: Uint8Array): Frame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const hlen = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + hlen))) as Frame['header'];
  const base = align8(4 + hlen);
  const tensors = (header.tensors ?? []).map((m) => {
    if (m.dtype === 'bytes')
      throw new Error('protocol: the worker sent raw bytes where tensors were expected');
    const at = frame.byteOffset + base + m.offset;
    const count = m.bytes / ITEM_SIZE[m.dtype];
    return { dtype: m.dtype, shape: m.shape, data: typedView(m.dtype, frame.buffer, at, count) };
  });
  return { header, tensors };
}

function typedView(dtype: DType, buffer: ArrayBufferLike, offset: number, count: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, offset, count);
    case 'float64':
      return new Float64Array(buffer, offset, count);
    case 'int32':
      return new Int32Array(buffer, offset, count);
    case 'bool':
      return new Uint8Array(buffer, offset, count);
  }
}
