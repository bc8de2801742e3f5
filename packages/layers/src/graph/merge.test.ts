import { Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { layerFromConfig } from '../registry.ts';
import { Add, Concatenate } from './merge.ts';

describe('Add', () => {
  it('sums inputs of one shape', () => {
    const add = new Add({ name: 'sum' });
    add.buildMany([[2], [2], [2]]);
    const a = Tensor.fromData([1, 2, 3, 4], [2, 2]);
    const b = Tensor.fromData([10, 20, 30, 40], [2, 2]);
    const c = Tensor.fromData([0.5, 0.5, 0.5, 0.5], [2, 2]);
    expect(add.callMany([a, b, c], {}, INFERENCE).toArray()).toEqual([11.5, 22.5, 33.5, 44.5]);
    expect(add.computeOutputShapeMany([[2], [2], [2]])).toEqual([2]);
  });

  it('names the input whose shape differs', () => {
    const add = new Add({ name: 'sum' });
    expect(() => add.buildMany([[3], [3], [4]])).toThrow(
      /layer 'sum': input 2 has shape \[4\] per sample but input 0 has \[3\]/,
    );
  });

  it('refuses a single input and the single-input Layer surface', () => {
    const add = new Add({ name: 'sum' });
    expect(() => add.buildMany([[3]])).toThrow(/needs at least 2 inputs, got 1/);
    expect(() => add.build([3])).toThrow(/Add merges several inputs and cannot take a single one/);
  });

  it('refuses being rebuilt for other shapes', () => {
    const add = new Add({ name: 'sum' });
    add.buildMany([[3], [3]]);
    add.buildMany([[3], [3]]);
    expect(() => add.buildMany([[4], [4]])).toThrow(
      /was built for inputs \[3\] \[3\] per sample, got \[4\] \[4\]/,
    );
  });
});

describe('Concatenate', () => {
  it('joins along the last axis by default', () => {
    const cat = new Concatenate();
    expect(
      cat.computeOutputShapeMany([
        [2, 3],
        [2, 1],
      ]),
    ).toEqual([2, 4]);
    const a = Tensor.fromData([1, 2], [1, 2]);
    const b = Tensor.fromData([3], [1, 1]);
    expect(cat.callMany([a, b], {}, INFERENCE).toArray()).toEqual([1, 2, 3]);
  });

  it('takes the axis of the full tensor, batch included (Keras)', () => {
    const cat = new Concatenate({ axis: 1 });
    expect(
      cat.computeOutputShapeMany([
        [2, 3],
        [1, 3],
      ]),
    ).toEqual([3, 3]);
    // [1, 2, 2] ++ [1, 1, 2] along axis 1 → rows of a, then the row of b
    const a = Tensor.fromData([1, 2, 3, 4], [1, 2, 2]);
    const b = Tensor.fromData([5, 6], [1, 1, 2]);
    const y = cat.callMany([a, b], {}, INFERENCE);
    expect(y.shape).toEqual([1, 3, 2]);
    expect(y.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(
      new Concatenate({ axis: -2 }).computeOutputShapeMany([
        [2, 3],
        [1, 3],
      ]),
    ).toEqual([3, 3]);
  });

  it('refuses mismatched other axes, the batch axis and out-of-range axes', () => {
    const cat = new Concatenate({ name: 'cat' });
    expect(() =>
      cat.computeOutputShapeMany([
        [2, 3],
        [3, 1],
      ]),
    ).toThrow(
      /input 1 has shape \[3, 1\] per sample, input 0 has \[2, 3\]; all axes except the concatenation axis \(-1\) must match/,
    );
    expect(() => cat.computeOutputShapeMany([[2, 3], [2]])).toThrow(/input 1 has shape \[2\]/);
    expect(() => new Concatenate({ axis: 0 }).computeOutputShapeMany([[2], [2]])).toThrow(
      /axis 0 is outside.*axis 0 is the batch/,
    );
    expect(() =>
      new Concatenate({ axis: 3 }).computeOutputShapeMany([
        [2, 3],
        [2, 3],
      ]),
    ).toThrow(/use 1\.\.2 or -2\.\.-1/);
    expect(() => new Concatenate({ axis: 1.5 })).toThrow(/Concatenate.axis/);
  });

  it('round-trips its config through the registry', () => {
    const layer = layerFromConfig({ className: 'Concatenate', config: { name: 'cat', axis: 1 } });
    expect(layer.getConfig()).toEqual({ name: 'cat', axis: 1 });
    expect(layerFromConfig({ className: 'Add', config: {} }).getConfig()).toEqual({});
    expect(() => layerFromConfig({ className: 'Add', config: { axis: 1 } })).toThrow(/axis/);
  });
});
