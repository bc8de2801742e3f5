import { fail } from '@reptile/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * Validation of model.json's weightsManifest before any file is read: every field typed, and
 * the byte count each group of shards must hold computed from its weight specs, so a truncated,
 * padded or mislabelled weight file is refused instead of decoded into garbage.
 */
const ELEMENT_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

export interface ManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly tf.io.WeightsManifestEntry[];
  readonly bytes: number;
}

export function parseManifest(value: unknown, where: string): ManifestGroup[] {
  if (!Array.isArray(value)) fail('weightsManifest must be an array of {paths, weights}', { where });
  const names = new Set<string>();
  return value.map((group, g) => {
    const at = `${where}[${g}]`;
    if (typeof group !== 'object' || group === null) fail('expected {paths, weights}', { where: at });
    const { paths, weights } = group as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || paths.length === 0)
      fail('paths must be a non-empty array', { where: `${at}.paths` });
    if (!Array.isArray(weights)) fail('weights must be an array', { where: `${at}.weights` });
    let bytes = 0;
    weights.forEach((w, i) => {
      const entry = checkEntry(w, `${at}.weights[${i}]`);
      if (names.has(entry.name))
        fail(`weight '${entry.name}' appears twice`, { where: `${at}.weights[${i}].name` });
      names.add(entry.name);
      bytes += entryBytes(entry, `${at}.weights[${i}]`);
    });
    return { paths: paths as string[], weights: weights as tf.io.WeightsManifestEntry[], bytes };
  });
}

function checkEntry(w: unknown, where: string): tf.io.WeightsManifestEntry {
  if (typeof w !== 'object' || w === null) fail('expected {name, shape, dtype}', { where });
  const e = w as Record<string, unknown>;
  if (typeof e.name !== 'string' || e.name.length === 0)
    fail('name must be a non-empty string', { where: `${where}.name` });
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    fail('shape must be an array of non-negative integers', { where: `${where}.shape` });
  }
  if (typeof e.dtype !== 'string' || !(e.dtype in ELEMENT_BYTES)) {
    fail(`dtype ${JSON.stringify(e.dtype)} is not supported`, {
      where: `${where}.dtype`,
      hint: `use one of ${Object.keys(ELEMENT_BYTES).join(', ')} (string weights are not supported)`,
    });
  }
  if (e.quantization !== undefined) {
    const q = e.quantization as { dtype?: unknown } | null;
    if (typeof q !== 'object' || q === null || typeof q.dtype !== 'string' || !(q.dtype in QUANTIZED_BYTES)) {
      fail('quantization.dtype must be uint8, uint16 or float16', { where: `${where}.quantization` });
    }
  }
  return w as tf.io.WeightsManifestEntry;
}

function entryBytes(e: tf.io.WeightsManifestEntry, where: string): number {
  const size = e.shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(size)) fail('shape has too many elements', { where: `${where}.shape` });
  return size * (e.quantization ? QUANTIZED_BYTES[e.quantization.dtype]! : ELEMENT_BYTES[e.dtype]!);
}
