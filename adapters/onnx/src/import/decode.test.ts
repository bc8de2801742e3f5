import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReptileError } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { encodeModel, modelType } from '../proto/schema.ts';
import { decodeOnnxModel } from './decode.ts';
import { loadOnnxModel } from './model.ts';
import { defaultNodeTestDir } from './node-tests.ts';

/** A model whose only content is one initializer given as a raw TensorProto object. */
function withInitializer(tensor: Record<string, unknown>): Uint8Array {
  const type = modelType();
  return type
    .encode(
      type.fromObject({
        ir_version: 8,
        opset_import: [{ domain: '', version: 17 }],
        graph: {
          name: 'g',
          node: [{ name: 'id', op_type: 'Identity', input: ['w'], output: ['y'], attribute: [] }],
          initializer: [{ name: 'w', ...tensor }],
          input: [],
          output: [{ name: 'y', type: { tensor_type: { elem_type: 1 } } }],
        },
      }),
    )
    .finish();
}

const catchError = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('decodeOnnxModel safety', () => {
  const relu = readFileSync(join(defaultNodeTestDir(), 'test_relu', 'model.onnx'));

  it('decodes a valid model: opset, inputs with shapes, nodes', () => {
    const d = decodeOnnxModel(relu, 'relu.onnx');
    expect(d.opset).toBeGreaterThanOrEqual(6);
    expect(d.inputs).toEqual([{ name: 'x', elem: 'float32', dims: [3, 4, 5] }]);
    expect(d.nodes.map((n) => n.opType)).toEqual(['Relu']);
  });

  it('a truncated file is a ReptileError naming the file', () => {
    const e = catchError(() => decodeOnnxModel(relu.subarray(0, relu.length - 7), 'cut.onnx'));
    expect(e).toBeInstanceOf(ReptileError);
    expect(e.message).toMatch(/^cut\.onnx: not a valid ONNX model file/);
  });

  it('refuses absurd dims before allocating, stating the limit', () => {
    const bytes = withInitializer({
      dims: [1 << 20, 1 << 20, 1 << 20],
      data_type: 1,
      raw_data: new Uint8Array(4),
    });
    expect(() => decodeOnnxModel(bytes, 'huge.onnx')).toThrow(/exceeds the limit of 2147483647 elements/);
    const small = withInitializer({ dims: [1000, 1000], data_type: 11, raw_data: new Uint8Array(8) });
    expect(() => decodeOnnxModel(small, 'cap.onnx', { maxBytes: 1 << 20 })).toThrow(
      /needs 8000000 bytes, over the limit of 1048576/,
    );
    expect(() => decodeOnnxModel(withInitializer({ dims: [-1], data_type: 1 }), 'neg.onnx')).toThrow(
      /invalid dimension -1/,
    );
  });

  it('raw_data must hold exactly dims × element size bytes', () => {
    const bytes = withInitializer({ dims: [2, 2], data_type: 1, raw_data: new Uint8Array(12) });
    expect(() => decodeOnnxModel(bytes, 'short.onnx')).toThrow(
      /raw_data holds 12 bytes but \[2,2\] of float32 needs 16/,
    );
    const typed = withInitializer({ dims: [3], data_type: 1, float_data: [1, 2] });
    expect(() => decodeOnnxModel(typed, 'typed.onnx')).toThrow(/holds 2 values but \[3\] needs 3/);
  });

  it('reads little-endian raw_data and typed fields (int64 as exact numbers)', () => {
    const raw = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const d = decodeOnnxModel(withInitializer({ dims: [2], data_type: 1, raw_data: raw }), 'ok.onnx');
    expect(Array.from(d.initializers.get('w')!.data)).toEqual([1.5, -2]);
    const i64 = decodeOnnxModel(
      withInitializer({ dims: [2], data_type: 7, int64_data: [-3, 2 ** 40] }),
      'i.onnx',
    );
    expect(Array.from(i64.initializers.get('w')!.data)).toEqual([-3, 2 ** 40]);
  });

  it('names unsupported element types', () => {
    const bytes = withInitializer({ dims: [1], data_type: 10, raw_data: new Uint8Array(2) });
    expect(() => decodeOnnxModel(bytes, 'half.onnx')).toThrow(
      /half\.onnx: initializer 0 'w': element type float16 is not supported/,
    );
  });

  it('refuses external data given as bytes, absolute paths and ..', () => {
    const ext = (location: string) =>
      withInitializer({
        dims: [1],
        data_type: 1,
        data_location: 1,
        external_data: [{ key: 'location', value: location }],
      });
    expect(() => decodeOnnxModel(ext('w.bin'), 'b.onnx')).toThrow(
      /external file, but the model was given as bytes/,
    );
    expect(() => decodeOnnxModel(ext('/etc/passwd'), 'a.onnx', { modelDir: '/tmp' })).toThrow(
      /'\/etc\/passwd' is refused/,
    );
    expect(() => decodeOnnxModel(ext('../secret.bin'), 'p.onnx', { modelDir: '/tmp' })).toThrow(
      /'\.\.\/secret\.bin' is refused/,
    );
  });

  it('reads external data inside the model folder and refuses links leading out of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-ext-'));
    const outside = mkdtempSync(join(tmpdir(), 'onnx-out-'));
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(new Float32Array([0, 7.25]).buffer));
    writeFileSync(join(outside, 'x.bin'), new Uint8Array(8));
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(outside, 'x.bin'), join(dir, 'sub', 'link.bin'));
    const ext = (location: string, offset: string) =>
      withInitializer({
        dims: [1],
        data_type: 1,
        data_location: 1,
        external_data: [
          { key: 'location', value: location },
          { key: 'offset', value: offset },
        ],
      });
    writeFileSync(join(dir, 'in.onnx'), ext('w.bin', '4'));
    const m = loadOnnxModel(join(dir, 'in.onnx'));
    expect(Array.from(m.description.initializers.get('w')!.data)).toEqual([7.25]);
    writeFileSync(join(dir, 'link.onnx'), ext('sub/link.bin', '0'));
    expect(() => loadOnnxModel(join(dir, 'link.onnx'))).toThrow(/cannot be read inside .*outside/);
  });

  it('requires a default-domain opset and a graph', () => {
    const noGraph = encodeModel({
      ir_version: 8,
      opset_import: [],
      producer_name: '',
      producer_version: '',
      metadata_props: [],
    } as never);
    expect(() => decodeOnnxModel(noGraph, 'empty.onnx')).toThrow(/empty\.onnx: the model has no graph/);
  });
});
