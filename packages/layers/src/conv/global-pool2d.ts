import type { JsonObject, Shape, Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights } from '../layer.ts';
import { defined, readOptionalName, readOptions } from '../options.ts';
import type { DataFormat } from './geometry.ts';
import { imageDims, readDataFormat } from './window-options.ts';

export interface GlobalPool2DOptions {
  readonly dataFormat?: DataFormat;
  readonly name?: string;
}

/** Reduces each channel over all of height × width, giving [batch, channels]. */
abstract class GlobalPool2D extends Layer {
  readonly dataFormat: DataFormat;

  constructor(options: GlobalPool2DOptions, where: string) {
    const o = readOptions(options, ['dataFormat', 'name'], where);
    super(readOptionalName(o.name, `${where}.name`));
    this.dataFormat = readDataFormat(o.dataFormat, `${where}.dataFormat`);
  }

  protected get spatialAxes(): [number, number] {
    return this.dataFormat === 'channelsLast' ? [1, 2] : [2, 3];
  }

  private check(shape: Shape): number {
    return imageDims(shape, this.dataFormat, `layer '${this.hasName ? this.name : this.className}'`).channels;
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [this.check(inputShape)];
  }

  call(x: Tensor, _weights: LayerWeights, _ctx: CallContext): Tensor {
    this.check(x.shape.slice(1));
    return this.reduce(x);
  }

  protected abstract reduce(x: Tensor): Tensor;

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined, dataFormat: this.dataFormat });
  }
}

export class GlobalAveragePooling2D extends GlobalPool2D {
  readonly className = 'GlobalAveragePooling2D';

  constructor(options: GlobalPool2DOptions = {}) {
    super(options, 'GlobalAveragePooling2D');
  }

  protected reduce(x: Tensor): Tensor {
    return x.mean(this.spatialAxes);
  }
}

export class GlobalMaxPooling2D extends GlobalPool2D {
  readonly className = 'GlobalMaxPooling2D';

  constructor(options: GlobalPool2DOptions = {}) {
    super(options, 'GlobalMaxPooling2D');
  }

  protected reduce(x: Tensor): Tensor {
    return x.max(this.spatialAxes);
  }
}
