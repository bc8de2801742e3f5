import { checkNumber, fail } from '@reptile/core';
import type { DataFormat, Padding, Pads2D } from './geometry.ts';

/**
 * Readers for the window fields shared by Conv2D and the pools. A single integer is accepted
 * for a pair (Keras does) but configs always write the pair back, so round trips compare equal.
 */
export function readPair(value: unknown, where: string, min = 1): [number, number] {
  if (typeof value === 'number') {
    const n = checkNumber(value, where, { min, integer: true });
    return [n, n];
  }
  if (!Array.isArray(value) || value.length !== 2) {
    fail(`expected [rows, cols] or one integer, got ${JSON.stringify(value) ?? 'nothing'}`, { where });
  }
  return [
    checkNumber(value[0], `${where}[0]`, { min, integer: true }),
    checkNumber(value[1], `${where}[1]`, { min, integer: true }),
  ];
}

export function readPadding(value: unknown, where: string): Padding {
  if (value === undefined) return 'valid';
  if (value === 'valid' || value === 'same') return value;
  const explicit = (v: unknown): v is unknown[][] =>
    Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2);
  if (!explicit(value)) {
    fail(`${JSON.stringify(value)} is not a padding`, {
      where,
      hint: "use 'valid', 'same' or explicit [[top, bottom], [left, right]]",
    });
  }
  const amount = (i: number, j: number) =>
    checkNumber(value[i]![j], `${where}[${i}][${j}]`, { min: 0, integer: true });
  const pads: Pads2D = [
    [amount(0, 0), amount(0, 1)],
    [amount(1, 0), amount(1, 1)],
  ];
  return pads;
}

export function readDataFormat(value: unknown, where: string): DataFormat {
  if (value === undefined) return 'channelsLast';
  if (value !== 'channelsLast' && value !== 'channelsFirst') {
    fail(`${JSON.stringify(value)} is not allowed`, {
      where,
      hint: "use 'channelsLast' (NHWC, Keras default) or 'channelsFirst' (NCHW, PyTorch/ONNX)",
    });
  }
  return value;
}

/** A padding as JSON (explicit pads become fresh nested arrays). */
export function paddingConfig(padding: Padding): string | number[][] {
  return typeof padding === 'string' ? padding : padding.map((p) => [...p]);
}

/** Splits a per-sample image shape into (height, width, channels) for its data format. */
export function imageDims(
  shape: readonly number[],
  format: DataFormat,
  where: string,
): { height: number; width: number; channels: number } {
  if (shape.length !== 3) {
    fail(`expected images of rank 3 per sample, got [${shape}]`, {
      where,
      hint:
        format === 'channelsLast'
          ? 'give inputs [batch, height, width, channels]'
          : 'give inputs [batch, channels, height, width]',
    });
  }
  const [a, b, c] = shape as [number, number, number];
  return format === 'channelsLast'
    ? { height: a, width: b, channels: c }
    : { height: b, width: c, channels: a };
}
