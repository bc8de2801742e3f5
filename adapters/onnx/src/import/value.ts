import { type DType, ReferenceBackend, ReptileError, realize, Tensor } from '@reptile/core';
import type { HostTensor, OnnxElem } from './tensor-proto.ts';

/** The protocol dtype an ONNX element type runs as: int64 runs as int32 (values are range-checked). */
export function protocolDType(elem: OnnxElem): DType {
  return elem === 'int64' ? 'int32' : elem;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

let reference: ReferenceBackend | undefined;

/**
 * One ONNX value during interpretation: a lazy protocol Tensor and/or host data, its ONNX element
 * type (int64 is tracked although it runs as int32), and whether it depends on graph inputs'
 * data. Values that do not can be read on the host (constant folding on the reference backend),
 * which is how shapes, axes and pads computed by Shape/Gather/Concat chains become static.
 */
export class Value {
  private cachedTensor: Tensor | undefined;

  constructor(
    readonly elem: OnnxElem,
    private readonly source: { tensor: Tensor } | { host: HostTensor },
    /** True when the value depends on the data (not just the shapes) of graph inputs. */
    readonly dynamic: boolean,
  ) {
    if ('tensor' in source) this.cachedTensor = source.tensor;
  }

  static of(tensor: Tensor, elem: OnnxElem, dynamic: boolean): Value {
    return new Value(elem, { tensor }, dynamic);
  }

  static host(host: HostTensor, dynamic = false): Value {
    return new Value(host.elem, { host }, dynamic);
  }

  get shape(): readonly number[] {
    return 'host' in this.source ? this.source.host.dims : this.source.tensor.shape;
  }

  /** The value as a protocol tensor (built once from host data). */
  tensor(where: string): Tensor {
    if (this.cachedTensor) return this.cachedTensor;
    const host = (this.source as { host: HostTensor }).host;
    if (host.elem === 'int64') {
      const data = new Int32Array(host.data.length);
      for (let i = 0; i < data.length; i++) {
        const v = host.data[i]!;
        if (v < INT32_MIN || v > INT32_MAX) {
          throw new ReptileError(`int64 value ${v} does not fit the protocol's int32`, {
            where,
            hint: 'int64 tensors run as int32; values beyond ±2^31 are only supported where they are read statically (e.g. Slice ends)',
          });
        }
        data[i] = v;
      }
      this.cachedTensor = Tensor.fromData(data, host.dims, 'int32');
    } else {
      this.cachedTensor = Tensor.fromData(host.data, host.dims, host.elem);
    }
    return this.cachedTensor;
  }

  /** The value's numbers on the host; data-dependent values are refused. */
  numbers(where: string): readonly number[] {
    if ('host' in this.source) return Array.from(this.source.host.data);
    if (this.dynamic) {
      throw new ReptileError(
        'needs a value known before running (a shape, axes, pads...), but it depends on input data',
        {
          where,
          hint: 'the importer evaluates shapes statically; data-dependent shapes are not supported',
        },
      );
    }
    reference ??= new ReferenceBackend();
    return Array.from(realize([this.source.tensor], reference)[0]!);
  }
}
