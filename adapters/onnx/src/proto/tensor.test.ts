import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, type ModelObject } from './schema.ts';
import { fromRawData, int64Array, rawData, tensorProto } from './tensor.ts';

const list = (a: ArrayLike<number | bigint>): (number | bigint)[] => Array.from(a);

describe('raw_data encoding', () => {
  it('is little endian: 1.0f is 00 00 80 3f, int32 −2 is fe ff ff ff', () => {
    expect(Array.from(rawData(Float32Array.of(1)))).toEqual([0, 0, 0x80, 0x3f]);
    expect(Array.from(rawData(Int32Array.of(-2)))).toEqual([0xfe, 0xff, 0xff, 0xff]);
    expect(Array.from(rawData(Uint8Array.of(1, 0, 1)))).toEqual([1, 0, 1]);
  });

  it('keeps int64 exact beyond 2^32 and refuses values a number cannot hold exactly', () => {
    // 2^40 + 1 = 0x0000_0100_0000_0001
    expect(Array.from(rawData(int64Array([2 ** 40 + 1])))).toEqual([1, 0, 0, 0, 0, 1, 0, 0]);
    expect(list(fromRawData(rawData(int64Array([-(2 ** 53 - 1)])), 'int64'))).toEqual([-(2n ** 53n - 1n)]);
    expect(() => int64Array([2 ** 53])).toThrow(/not a safe integer/);
    expect(() => int64Array([1.5])).toThrow(/not a safe integer/);
  });

  it('round-trips every element type through raw bytes', () => {
    expect(list(fromRawData(rawData(Float64Array.of(0.1, -0, Number.NaN)), 'float64'))).toEqual([
      0.1,
      -0,
      Number.NaN,
    ]);
    expect(list(fromRawData(rawData(Float32Array.of(3.5)), 'float32'))).toEqual([3.5]);
    expect(list(fromRawData(rawData(Int32Array.of(-2147483648)), 'int32'))).toEqual([-2147483648]);
  });
});

describe('model encoding', () => {
  it('decodes back what it encodes (our schema subset uses onnx.proto field numbers)', () => {
    const model: ModelObject = {
      ir_version: 10,
      opset_import: [{ domain: '', version: 21 }],
      producer_name: 'reptile',
      producer_version: '0.1.0',
      graph: {
        name: 'g',
        node: [
          {
            name: 'n',
            op_type: 'Reshape',
            input: ['x', 's'],
            output: ['y'],
            attribute: [{ name: 'allowzero', type: 2, i: 1 }],
          },
        ],
        initializer: [tensorProto('s', 'int64', [2], int64Array([2, 3]))],
        input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 6 }] } } } }],
        output: [
          {
            name: 'y',
            type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } },
          },
        ],
      },
      metadata_props: [{ key: 'k', value: 'v' }],
    };
    const back = decodeModel(encodeModel(model));
    expect(back.ir_version).toBe(10);
    expect(back.graph.node[0]!.attribute[0]).toMatchObject({ name: 'allowzero', type: 2, i: 1 });
    expect(list(fromRawData(back.graph.initializer[0]!.raw_data, 'int64'))).toEqual([2n, 3n]);
    expect(back.graph.output[0]!.type.tensor_type.shape.dim.map((d) => d.dim_value)).toEqual([2, 3]);
    expect(back.metadata_props).toEqual([{ key: 'k', value: 'v' }]);
  });
});
