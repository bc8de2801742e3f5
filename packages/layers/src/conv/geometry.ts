import { fail } from '@reptile/core';

/** Explicit 2-D padding, [[top, bottom], [left, right]] (the docs/models.md config form). */
export type Pads2D = readonly [readonly [number, number], readonly [number, number]];

/** A window layer's padding: a Keras mode or explicit per-side amounts. */
export type Padding = 'valid' | 'same' | Pads2D;

export type DataFormat = 'channelsLast' | 'channelsFirst';

/** One spatial axis of a sliding window: input size, window size, stride, dilation. */
export interface WindowAxis {
  readonly size: number;
  readonly kernel: number;
  readonly stride: number;
  readonly dilation: number;
}

/** Extent the window covers on the (padded) input: dilation spreads the taps apart. */
export function effectiveKernel(kernel: number, dilation: number): number {
  return (kernel - 1) * dilation + 1;
}

/**
 * SAME padding as TF/Keras computes it: the output has ceil(size / stride) positions, and when
 * the needed total is odd the extra cell goes after (bottom/right; ONNX calls this SAME_UPPER).
 * PyTorch has no such mode, so converters write these amounts out explicitly.
 */
export function samePadding(axis: WindowAxis): [number, number] {
  const out = Math.ceil(axis.size / axis.stride);
  const total = Math.max(
    (out - 1) * axis.stride + effectiveKernel(axis.kernel, axis.dilation) - axis.size,
    0,
  );
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Explicit pads for both spatial axes, [[top, bottom], [left, right]]. */
export function resolvePadding(padding: Padding, rows: WindowAxis, cols: WindowAxis): Pads2D {
  if (padding === 'valid') {
    return [
      [0, 0],
      [0, 0],
    ];
  }
  if (padding === 'same') return [samePadding(rows), samePadding(cols)];
  return padding;
}

/** Number of window positions along one axis after padding; fails when the window does not fit. */
export function outputLength(axis: WindowAxis, pads: readonly [number, number], where: string): number {
  const padded = axis.size + pads[0] + pads[1];
  const extent = effectiveKernel(axis.kernel, axis.dilation);
  if (extent > padded) {
    fail(`window of extent ${extent} does not fit an input of size ${axis.size} padded to ${padded}`, {
      where,
      hint: "use a smaller kernel/pool size or dilation, padding 'same', or larger inputs",
    });
  }
  return Math.floor((padded - extent) / axis.stride) + 1;
}

/** The geometry of one 2-D window op: both axes, explicit pads and the output size. */
export interface Window2D {
  readonly rows: WindowAxis;
  readonly cols: WindowAxis;
  readonly pads: Pads2D;
  readonly outRows: number;
  readonly outCols: number;
}

export interface WindowParams {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly padding: Padding;
}

/** Resolves padding and output size for an image of height × width; fails when the window does not fit. */
export function planWindow(height: number, width: number, p: WindowParams, where: string): Window2D {
  const rows = { size: height, kernel: p.kernel[0], stride: p.strides[0], dilation: p.dilation[0] };
  const cols = { size: width, kernel: p.kernel[1], stride: p.strides[1], dilation: p.dilation[1] };
  const pads = resolvePadding(p.padding, rows, cols);
  return {
    rows,
    cols,
    pads,
    outRows: outputLength(rows, pads[0], `${where} (rows)`),
    outCols: outputLength(cols, pads[1], `${where} (columns)`),
  };
}
