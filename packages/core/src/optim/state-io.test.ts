import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';
import { optimizerFromConfig } from './from-config.ts';
import {
  deserializeOptimizerState,
  deserializeState,
  serializeOptimizerState,
  serializeState,
} from './state-io.ts';
import { bits } from './test-support.ts';

describe('state serialization', () => {
  it('base64 matches RFC 4648 test vectors and round-trips any bytes', () => {
    const text = (s: string) => bytesToBase64(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(text)).toEqual([
      '',
      'Zg==',
      'Zm8=',
      'Zm9v',
      'Zm9vYg==',
      'Zm9vYmE=',
      'Zm9vYmFy',
    ]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(Array.from(base64ToBytes(bytesToBase64(bytes), 'test'))).toEqual(Array.from(bytes));
      }),
    );
  });

  it('stores tensors as little-endian bytes: float32 1.0 is 00 00 80 3f', () => {
    const out = serializeState(Tensor.fromData([1], [1])) as { data: string };
    expect(out).toEqual({
      shape: [1],
      dtype: 'float32',
      data: bytesToBase64(new Uint8Array([0, 0, 128, 63])),
    });
  });

  it('round-trips every dtype bit for bit, and −0, NaN, ±Infinity numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 6 }), (values) => {
        const value = {
          f32: Tensor.fromData(values, [values.length], 'float32'),
          f64: Tensor.fromData(values, [values.length], 'float64'),
          i32: Tensor.fromData(
            values.map((v) => (Number.isFinite(v) ? v % 1e9 : 0)),
            [values.length],
            'int32',
          ),
          b: Tensor.fromData(
            values.map((v) => (v > 0 ? 1 : 0)),
            [values.length],
            'bool',
          ),
          n: [-0, Number.NaN, Number.POSITIVE_INFINITY, 3, null, 'x', true],
        };
        const back = deserializeState(JSON.parse(JSON.stringify(serializeState(value)))) as typeof value;
        for (const k of ['f32', 'f64', 'i32', 'b'] as const) {
          expect(back[k].dtype).toBe(value[k].dtype);
          expect(bits(back[k])).toEqual(bits(value[k]));
        }
        expect(Object.is(back.n[0], -0)).toBe(true);
        expect(back.n.slice(1)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 3, null, 'x', true]);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses a state saved for other params or another optimizer, naming the path', () => {
    const params = [Tensor.zeros([2, 2]), Tensor.zeros([3])];
    const adam = optimizerFromConfig({ name: 'adam' });
    const saved = JSON.parse(JSON.stringify(serializeOptimizerState(adam.init(params))));
    expect(deserializeOptimizerState(saved, adam.init(params)).step).toBe(0);
    expect(() =>
      deserializeOptimizerState(saved, adam.init([Tensor.zeros([2, 2]), Tensor.zeros([4])])),
    ).toThrow(
      /optimizer state\.inner\[1\]\.m\[1\]: does not match this optimizer and params: expected Tensor\(float32\[4\]\)/,
    );
    const sgd = optimizerFromConfig({ name: 'sgd', momentum: 0.9 });
    expect(() => deserializeOptimizerState(saved, sgd.init(params))).toThrow(
      /optimizer state\.inner\[1\]: does not match this optimizer/,
    );
    expect(() => deserializeOptimizerState({ step: 1 })).toThrow(/is not a serialized optimizer state/);
    expect(() => deserializeOptimizerState({ ...saved, step: -1 })).toThrow(/optimizer state\.step/);
    const truncated = { shape: [3], dtype: 'float32', data: bytesToBase64(new Uint8Array(8)) };
    expect(() => deserializeState(truncated)).toThrow(/8 bytes do not hold 3 float32 values/);
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => serializeState({ f: () => 1 })).toThrow(/cannot save a function/);
    expect(() => serializeState({ when: new Date() })).toThrow(/non-plain object/);
  });
});
