import { grad, runGraph, Tensor, trace } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from './context.ts';
import { Embedding } from './embedding.ts';
import { maxAbsDiff, numericGrad } from './recurrent/testing.ts';

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');
const i32 = (xs: number[], shape: number[]) => Tensor.fromData(xs, shape, 'int32');

// Row r of the table is [r, 10 + r]: a lookup is read off by eye.
const table = f64([0, 10, 1, 11, 2, 12, 3, 13], [4, 2]);

function built(perSample: number[]): Embedding {
  const layer = new Embedding({ inputDim: 4, outputDim: 2, dtype: 'float64' });
  layer.setName('emb');
  layer.build(perSample);
  return layer;
}

describe('Embedding', () => {
  it('looks up rows for int32 indices, [batch, time] → [batch, time, outputDim]', () => {
    const layer = built([3]);
    expect(layer.weightSpecs.map((w) => [w.name, w.shape])).toEqual([['embeddings', [4, 2]]]);
    expect(layer.computeOutputShape([3])).toEqual([3, 2]);
    const y = layer.call(i32([3, 0, 2, 1, 1, 3], [2, 3]), { embeddings: table }, INFERENCE);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(y.toArray()).toEqual([3, 13, 0, 10, 2, 12, 1, 11, 1, 11, 3, 13]);
  });

  it('accepts floats holding whole numbers (a float model’s inputs)', () => {
    const y = built([2]).call(f64([2, 0], [1, 2]), { embeddings: table }, INFERENCE);
    expect(y.toArray()).toEqual([2, 12, 0, 10]);
  });

  it('table gradient adds the upstream gradient into each looked-up row (hand computed, and finite differences)', () => {
    const layer = built([3]);
    const indices = i32([1, 3, 1], [1, 3]);
    const coeffs = f64([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    const loss = (t: Tensor) => layer.call(indices, { embeddings: t }, INFERENCE).mul(coeffs).sum();
    const [g] = grad(loss(table), [table]);
    // row 1 is used at positions 0 and 2: [1 + 5, 2 + 6]; row 3 at position 1: [3, 4]
    expect(g!.toArray()).toEqual([0, 0, 6, 8, 0, 0, 3, 4]);
    // The loss is linear in the table, so a wide step has no truncation error and less rounding.
    const numeric = numericGrad((v) => loss(f64(v, [4, 2])).item(), table.toArray(), 1e-3);
    expect(maxAbsDiff(g!.toArray(), numeric)).toBeLessThan(1e-10);
  });

  it('refuses out-of-range and fractional indices when they are concrete (eager)', () => {
    const layer = built([2]);
    const w = { embeddings: table };
    expect(() => layer.call(i32([0, 4], [1, 2]), w, INFERENCE)).toThrow(
      /layer 'emb': index 4 at flat position 1 is outside 0..3.*raise inputDim/,
    );
    expect(() => layer.call(i32([-1, 0], [1, 2]), w, INFERENCE)).toThrow(/index -1 at flat position 0/);
    expect(() => layer.call(f64([0.5, 1], [1, 2]), w, INFERENCE)).toThrow(/index 0.5/);
  });

  it('inside a lazy or traced graph indices cannot be checked: an out-of-range index gives a zero vector (documented)', () => {
    const layer = built([2]);
    const lazy = i32([5, 1], [1, 2]).add(0); // not a constant: the value is not known until run
    expect(layer.call(lazy, { embeddings: table }, INFERENCE).toArray()).toEqual([0, 0, 1, 11]);
    const graph = trace([{ name: 'ids', shape: [1, 2], dtype: 'int32' }], (ids) => [
      layer.call(ids!, { embeddings: table }, INFERENCE),
    ]);
    expect(Array.from(runGraph(graph, [Int32Array.from([2, -1])])[0]!)).toEqual([2, 12, 0, 0]);
  });

  it('refuses bool and scalar inputs', () => {
    const layer = built([2]);
    expect(() => layer.call(i32([0, 1], [1, 2]).cast('bool'), { embeddings: table }, INFERENCE)).toThrow(
      /bool/,
    );
    expect(() => layer.call(Tensor.scalar(1, 'int32'), { embeddings: table }, INFERENCE)).toThrow(/scalar/);
  });

  it('round-trips its config and validates fields', () => {
    const layer = new Embedding({
      inputDim: 100,
      outputDim: 8,
      embeddingsInitializer: 'heNormal',
      name: 'tok',
    });
    const config = layer.getConfig();
    expect(config).toEqual({
      name: 'tok',
      inputDim: 100,
      outputDim: 8,
      embeddingsInitializer: 'heNormal',
      dtype: 'float32',
    });
    expect(new Embedding(config as never).getConfig()).toEqual(config);
    expect(() => new Embedding({ inputDim: 0, outputDim: 2 })).toThrow(/Embedding.inputDim/);
    expect(() => new Embedding({ inputDim: 2 } as never)).toThrow(/Embedding.outputDim/);
    expect(
      () => new Embedding({ inputDim: 2, outputDim: 2, embeddingsInitializer: 'nope' as never }),
    ).toThrow(/Embedding.embeddingsInitializer/);
    expect(() => new Embedding({ inputDim: 2, outputDim: 2, maskZero: true } as never)).toThrow(
      /unknown field 'maskZero'/,
    );
  });
});
