import { ReptileError, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorFromJson, tensorsFromJson, tensorsToJson, tensorToJson } from './tensor-json.ts';

describe('tensor JSON', () => {
  it('reads flat and nested data in row-major order', () => {
    const flat = tensorFromJson({ shape: [2, 2], data: [1, 2, 3, 4] }, 'x');
    const nested = tensorFromJson(
      {
        shape: [2, 2],
        data: [
          [1, 2],
          [3, 4],
        ],
      },
      'x',
    );
    expect(flat.toArray()).toEqual([1, 2, 3, 4]);
    expect(nested.toArray()).toEqual([1, 2, 3, 4]);
    expect(flat.dtype).toBe('float32');
  });

  it('round-trips any float32 tensor exactly, non-finite values included', () => {
    const value = fc.oneof(
      fc.float({ noDefaultInfinity: false, noNaN: false }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 0, maxLength: 24 }), (values) => {
        const t = Tensor.fromData(Float32Array.from(values), [values.length]);
        const text = JSON.stringify(tensorToJson(t));
        const back = tensorFromJson(JSON.parse(text), 'x');
        expect(Array.from(back.data() as Float32Array).map((v) => (Object.is(v, -0) ? 0 : v))).toEqual(
          Array.from(t.data() as Float32Array).map((v) => (Object.is(v, -0) ? 0 : v)),
        );
      }),
    );
  });

  it('keeps int32 tensors int32', () => {
    const t = Tensor.fromData(Int32Array.from([3, -1]), [2], 'int32');
    const json = tensorToJson(t);
    expect(json).toEqual({ shape: [2], dtype: 'int32', data: [3, -1] });
    expect(tensorFromJson(json, 'x').dtype).toBe('int32');
  });

  it('accepts one tensor or named tensors, and mirrors that on output', () => {
    const one = tensorsFromJson({ shape: [1], data: [5] }, 'input', 'in.json');
    expect(Object.keys(one)).toEqual(['input']);
    const two = tensorsFromJson(
      { a: { shape: [1], data: [1] }, b: { shape: [1], data: [2] } },
      'input',
      'in.json',
    );
    expect(Object.keys(two)).toEqual(['a', 'b']);
    expect(tensorsToJson({ y: Tensor.fromData([1], [1]) })).toEqual({ shape: [1], data: [1] });
    expect(tensorsToJson({ y: Tensor.fromData([1], [1]), z: Tensor.fromData([2], [1]) })).toEqual({
      y: { shape: [1], data: [1] },
      z: { shape: [1], data: [2] },
    });
  });

  it.each([
    [{ shape: [2], data: [1] }, 'data has 1 values, shape [2] needs 2', 'in.data'],
    [{ shape: [2.5], data: [] }, 'shape must be an array of non-negative integers', 'in.shape'],
    [{ shape: [1], data: ['x'] }, 'expected a number, got "x"', 'in.data[0]'],
    [{ shape: [1], data: [1], dtype: 'float16' }, 'dtype must be one of float32, int32', 'in.dtype'],
    [{ shape: [1], data: [1.5], dtype: 'int32' }, '1.5 is not an int32', 'in.data[0]'],
    [{ shape: [1], data: [1], units: 3 }, "unknown field 'units'", 'in'],
    [{ shape: [65536, 65536], data: [] }, 'more than the', 'in.shape'],
  ])('refuses %j with a located error', (value, message, where) => {
    try {
      tensorFromJson(value, 'in');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ReptileError);
      expect((error as ReptileError).message).toContain(message);
      expect((error as ReptileError).where).toBe(where);
    }
  });

  it('fuzz: any JSON value either parses or throws ReptileError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          tensorsFromJson(value, 'input', 'in.json');
        } catch (error) {
          expect(error).toBeInstanceOf(ReptileError);
        }
      }),
    );
  });
});
