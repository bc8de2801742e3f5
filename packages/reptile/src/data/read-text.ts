import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fail } from '@reptile/core';

/**
 * The text of a file as decoded chunks (1 MiB of bytes each by default), so a file of any size
 * is read with bounded memory. Multi-byte characters split across chunks are decoded correctly;
 * a BOM is passed through for the parser to drop.
 */
export async function* readTextChunks(path: string, chunkBytes = 1 << 20): AsyncGenerator<string> {
  await checkReadable(path);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  let offset = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      yield decode(decoder, chunk, path, offset, true);
      offset += chunk.length;
    }
    const rest = decode(decoder, new Uint8Array(0), path, offset, false);
    if (rest) yield rest;
  } finally {
    stream.destroy();
  }
}

function decode(
  decoder: { decode(b: Uint8Array, o: { stream: boolean }): string },
  bytes: Uint8Array,
  path: string,
  offset: number,
  stream: boolean,
): string {
  try {
    return decoder.decode(bytes, { stream });
  } catch {
    return fail(`is not valid UTF-8 text (near byte ${offset})`, {
      where: path,
      hint: 'save the file as UTF-8, or give a binary format (.npy) its extension',
    });
  }
}

/** The lines of a text file, streamed; '\r\n' and '\n' both end a line. Yields [line, number]. */
export async function* readLines(path: string): AsyncGenerator<[string, number]> {
  let carry = '';
  let number = 0;
  let first = true;
  for await (let chunk of readTextChunks(path)) {
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    const parts = (carry + chunk).split('\n');
    carry = parts.pop()!;
    for (const p of parts) yield [p.endsWith('\r') ? p.slice(0, -1) : p, ++number];
  }
  if (carry.length > 0) yield [carry.endsWith('\r') ? carry.slice(0, -1) : carry, ++number];
}

export async function checkReadable(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) fail('is not a file', { where: path });
    return info.size;
  } catch (error) {
    if ((error as Error).name === 'ReptileError') throw error;
    const code = (error as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`, {
      where: path,
      hint: code === 'ENOENT' ? `check the path (relative paths start at ${process.cwd()})` : undefined,
    } as { where: string; hint?: string });
  }
}
