import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.ts';
import { reduce } from './reduce.ts';

const v = () => Tensor.fromData([1, 2, 3, 6], [2, 2], 'float64');

describe('reduce', () => {
  it('mean, sum and none', () => {
    expect(reduce(v(), 'mean').item()).toBe(3);
    expect(reduce(v(), 'sum').item()).toBe(12);
    expect(reduce(v(), 'none').toArray()).toEqual([1, 2, 3, 6]);
  });

  it('weighted mean divides by the summed weights', () => {
    // 12 / (1 + 1 + 2 + 2)
    expect(reduce(v(), 'mean', { weights: Tensor.fromData([1, 1, 2, 2], [2, 2], 'float64') }).item()).toBe(2);
  });

  it('batchmean divides the sum by dimension 0', () => {
    expect(reduce(v(), 'batchmean').item()).toBe(6);
  });

  it('keeps the dtype', () => {
    expect(reduce(v(), 'mean').dtype).toBe('float64');
  });
});
