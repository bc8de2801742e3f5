import { fail, type JsonObject, type Shape, Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights } from '../layer.ts';
import { defined, readOptionalName, readOptions } from '../options.ts';
import { type DataFormat, type Padding, planWindow, type Window2D } from './geometry.ts';
import { windowTaps } from './patches.ts';
import { imageDims, paddingConfig, readDataFormat, readPadding, readPair } from './window-options.ts';

export interface Pool2DOptions {
  readonly poolSize?: number | readonly [number, number];
  /** Defaults to poolSize (non-overlapping windows), as in Keras. */
  readonly strides?: number | readonly [number, number];
  readonly padding?: 'valid' | 'same' | readonly (readonly number[])[];
  readonly dataFormat?: DataFormat;
  readonly name?: string;
}

const FIELDS = ['poolSize', 'strides', 'padding', 'dataFormat', 'name'];

/** A 2-D sliding-window reduction; subclasses say how the window's taps combine. */
abstract class Pool2D extends Layer {
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly dataFormat: DataFormat;

  constructor(options: Pool2DOptions, where: string) {
    const o = readOptions(options, FIELDS, where);
    super(readOptionalName(o.name, `${where}.name`));
    this.poolSize = readPair(o.poolSize ?? 2, `${where}.poolSize`);
    this.strides = o.strides === undefined ? this.poolSize : readPair(o.strides, `${where}.strides`);
    this.padding = readPadding(o.padding, `${where}.padding`);
    this.dataFormat = readDataFormat(o.dataFormat, `${where}.dataFormat`);
  }

  protected get where(): string {
    return `layer '${this.hasName ? this.name : this.className}'`;
  }

  private window(height: number, width: number): Window2D {
    const w = planWindow(
      height,
      width,
      { kernel: this.poolSize, strides: this.strides, dilation: [1, 1], padding: this.padding },
      this.where,
    );
    // Checked per axis (a window is empty iff its rows or its columns are), so a huge declared
    // shape is refused by the shape checks rather than by allocating its whole output here.
    if (
      axisCounts(w.rows, w.pads[0][0], w.outRows).includes(0) ||
      axisCounts(w.cols, w.pads[1][0], w.outCols).includes(0)
    ) {
      fail(`padding ${JSON.stringify(w.pads)} leaves a window with no input cells`, {
        where: this.where,
        hint: 'keep each explicit pad smaller than the pool size',
      });
    }
    return w;
  }

  computeOutputShape(inputShape: Shape): Shape {
    const { height, width, channels } = imageDims(inputShape, this.dataFormat, this.where);
    const w = this.window(height, width);
    return this.dataFormat === 'channelsLast'
      ? [w.outRows, w.outCols, channels]
      : [channels, w.outRows, w.outCols];
  }

  call(x: Tensor, _weights: LayerWeights, _ctx: CallContext): Tensor {
    imageDims(x.shape.slice(1), this.dataFormat, this.where);
    const nhwc = this.dataFormat === 'channelsLast' ? x : x.transpose([0, 2, 3, 1]);
    const y = this.reduce(nhwc, this.window(nhwc.shape[1]!, nhwc.shape[2]!));
    return this.dataFormat === 'channelsLast' ? y : y.transpose([0, 3, 1, 2]);
  }

  /** NHWC in, NHWC out. */
  protected abstract reduce(x: Tensor, w: Window2D): Tensor;

  getConfig(): JsonObject {
    return defined({
      name: this.hasName ? this.name : undefined,
      poolSize: [...this.poolSize],
      strides: [...this.strides],
      padding: paddingConfig(this.padding),
      dataFormat: this.dataFormat,
    });
  }
}

/** Window maximum. Padding cells are −∞, so they never win (TF, torch and ONNX agree). */
export class MaxPool2D extends Pool2D {
  readonly className = 'MaxPool2D';

  constructor(options: Pool2DOptions = {}) {
    super(options, 'MaxPool2D');
  }

  protected reduce(x: Tensor, w: Window2D): Tensor {
    return windowTaps(x, w, Number.NEGATIVE_INFINITY).reduce((a, b) => a.maximum(b));
  }
}

/**
 * Window mean over the real (unpadded) cells only, as Keras/TF 'same' pooling and ONNX's
 * default count_include_pad = 0 do; torch's avg_pool2d needs count_include_pad=False to match.
 */
export class AvgPool2D extends Pool2D {
  readonly className = 'AvgPool2D';

  constructor(options: Pool2DOptions = {}) {
    super(options, 'AvgPool2D');
  }

  protected reduce(x: Tensor, w: Window2D): Tensor {
    const total = windowTaps(x, w).reduce((a, b) => a.add(b));
    const counts = Tensor.fromData(windowCounts(w), [w.outRows, w.outCols, 1], x.dtype);
    return total.div(counts);
  }
}

/** Real input cells covered by each window position along one axis. */
function axisCounts(axis: Window2D['rows'], before: number, out: number): number[] {
  return Array.from({ length: out }, (_, i) => {
    const start = i * axis.stride - before;
    return Math.min(start + axis.kernel, axis.size) - Math.max(start, 0);
  });
}

/** Number of real input cells under each output window, [outRows·outCols] row-major. */
export function windowCounts(w: Window2D): Float64Array {
  const rows = axisCounts(w.rows, w.pads[0][0], w.outRows);
  const cols = axisCounts(w.cols, w.pads[1][0], w.outCols);
  const counts = new Float64Array(w.outRows * w.outCols);
  for (let r = 0; r < w.outRows; r++)
    for (let c = 0; c < w.outCols; c++) counts[r * w.outCols + c] = rows[r]! * cols[c]!;
  return counts;
}
