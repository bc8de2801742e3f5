import { describe, expect, it } from 'vitest';
import { type OptimizerCase, parseCase, parseCaseFile } from './case.ts';

const t = (data: unknown[], shape: number[] = [data.length]) => ({ shape, data });

function optimizerCase(overrides: Record<string, unknown> = {}) {
  return {
    name: 'sgd.basic',
    kind: 'optimizer',
    optimizer: { name: 'sgd', lr: 0.1 },
    params: [t([1, 2])],
    grads: [[t([0.5, -1])], [t([0.5, -1])]],
    expected: [[t([0.95, 2.1])], [t([0.9, 2.2])]],
    ...overrides,
  };
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('parseCase', () => {
  it('reads an optimizer case with the default tolerance and float32 inputs', () => {
    const c = parseCase(optimizerCase()) as OptimizerCase;
    expect(c.tolerance).toEqual({ rtol: 1e-5, atol: 1e-6 });
    expect(c.params[0]!.dtype).toBe('float32');
    expect(c.params[0]!.data).toBeInstanceOf(Float32Array);
    expect(c.grads).toHaveLength(2);
    // expectations stay exact (float64), not rounded to float32
    expect(c.expected[0]![0]!.data[0]).toBe(0.95);
  });

  it('reads NaN and infinities written as strings, and int32/bool tensors', () => {
    const c = parseCase({
      name: 'ce',
      kind: 'loss',
      loss: { name: 'crossEntropy' },
      yTrue: { shape: [2], data: [0, 1], dtype: 'int32' },
      yPred: t([1, 2, 3, 4], [2, 2]),
      expected: { value: t(['NaN'], []), gradYPred: t(['Infinity', '-Infinity', 0, 1], [2, 2]) },
      tolerance: { rtol: 0 },
    });
    expect(c.kind).toBe('loss');
    if (c.kind !== 'loss') return;
    expect(c.yTrue.data).toBeInstanceOf(Int32Array);
    expect(Number.isNaN(c.expected.value.data[0])).toBe(true);
    expect(Array.from(c.expected.gradYPred.data)).toEqual([Infinity, -Infinity, 0, 1]);
    expect(c.tolerance).toEqual({ rtol: 0, atol: 1e-6 });
  });

  it('names the path of an unknown field', () => {
    expect(errorOf(() => parseCase(optimizerCase({ optimzer: {} })))).toMatch(
      /^case\.optimzer: unknown field/,
    );
  });

  it('names the path of a gradient whose shape differs from its param', () => {
    const bad = optimizerCase({ grads: [[t([0.5, -1])], [t([0.5, -1, 2])]] });
    expect(errorOf(() => parseCase(bad))).toBe(
      'case.grads[1][0].shape: shape [3] differs from params[0] shape [2]',
    );
  });

  it('rejects a step count mismatch between grads and expected', () => {
    const bad = optimizerCase({ expected: [[t([0.95, 2.1])]] });
    expect(errorOf(() => parseCase(bad))).toBe(
      'case.expected: has 1 entries but grads (one entry per step) has 2',
    );
  });

  it('rejects data that does not fill the shape, naming the tensor', () => {
    const bad = optimizerCase({ params: [{ shape: [3], data: [1, 2] }] });
    expect(errorOf(() => parseCase(bad))).toMatch(
      /^case\.params\[0\]\.data: 2 values do not fill shape \[3\]/,
    );
  });

  it('rejects an unknown kind, listing the kinds', () => {
    expect(errorOf(() => parseCase({ name: 'x', kind: 'layer' }))).toMatch(
      /^case\.kind: "layer" is not a case kind — use one of 'optimizer', 'loss', 'regularizer', 'schedule', 'zookeeper'/,
    );
  });

  it('rejects a non-numeric datum and a bad dtype', () => {
    const word = optimizerCase({ params: [t([1, 'two'])] });
    expect(errorOf(() => parseCase(word))).toMatch(
      /^case\.params\[0\]\.data\[1\]: expected a number, got "two"/,
    );
    const dtype = optimizerCase({ params: [{ shape: [2], data: [1, 2], dtype: 'float16' }] });
    expect(errorOf(() => parseCase(dtype))).toMatch(/^case\.params\[0\]\.dtype: unknown dtype "float16"/);
  });

  it('checks that a zookeeper step has one gradient list per worker', () => {
    const zk = {
      name: 'zk',
      kind: 'zookeeper',
      workers: 2,
      optimizer: { name: 'zookeeper', lr: 0.1 },
      params: [t([1])],
      grads: [[[t([1])]]],
      expected: [[[t([0.8])], [t([0.8])]]],
    };
    expect(errorOf(() => parseCase(zk))).toBe('case.grads[0]: has 1 entries but workers is 2');
  });

  it('checks schedule steps are non-negative integers paired with expectations', () => {
    const base = { name: 's', kind: 'schedule', schedule: { name: 'constant', value: 1 } };
    expect(errorOf(() => parseCase({ ...base, steps: [0, 1.5], expected: [1, 1] }))).toMatch(
      /^case\.steps\[1\]: 1\.5 is out of range/,
    );
    expect(errorOf(() => parseCase({ ...base, steps: [0, 1], expected: [1] }))).toBe(
      'case.expected: has 1 entries but steps has 2',
    );
  });

  it('rejects a negative tolerance', () => {
    expect(errorOf(() => parseCase(optimizerCase({ tolerance: { rtol: -1, atol: 0 } })))).toMatch(
      /^case\.tolerance\.rtol: -1 is out of range/,
    );
  });
});

describe('parseCaseFile', () => {
  it('prefixes errors with the file name', () => {
    const text = JSON.stringify(optimizerCase({ params: 3 }));
    expect(errorOf(() => parseCaseFile(text, 'cases/sgd.json'))).toMatch(
      /^cases\/sgd\.json: case\.params: expected an array/,
    );
  });

  it('reports invalid JSON with the file name', () => {
    expect(errorOf(() => parseCaseFile('{"name": NaN}', 'cases/bad.json'))).toMatch(
      /^cases\/bad\.json: is not valid JSON/,
    );
  });

  it('reads an array of cases and indexes errors by position', () => {
    const text = JSON.stringify([optimizerCase(), optimizerCase({ name: '' })]);
    expect(errorOf(() => parseCaseFile(text, 'f.json'))).toBe(
      'f.json: cases[1].name: expected a non-empty string',
    );
    expect(parseCaseFile(JSON.stringify([optimizerCase()]), 'f.json')[0]!.file).toBe('f.json');
  });
});
