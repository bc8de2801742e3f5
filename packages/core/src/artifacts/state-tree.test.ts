import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.ts';
import { flattenState, flattenTensors, rebuildState, stateSkeleton } from './state-tree.ts';

describe('state tree', () => {
  const a = Tensor.fromData([1, 2], [2]);
  const b = Tensor.fromData([3], [1], 'float64');
  const state = { count: 3, moments: [a, { v: b }] };

  it('names leaves by their dotted path, in walk order', () => {
    const leaves = flattenState(state);
    expect(leaves.map((l) => l.path)).toEqual(['moments.0', 'moments.1.v']);
    expect(leaves[0]!.tensor).toBe(a);
    expect(leaves[1]!.tensor).toBe(b);
  });

  it('rebuilds around replacements, keeping numbers and structure', () => {
    const x = Tensor.fromData([5, 6], [2]);
    const y = Tensor.fromData([7], [1], 'float64');
    const out = rebuildState(state, [x, y]) as { count: number; moments: [Tensor, { v: Tensor }] };
    expect(out.count).toBe(3);
    expect(out.moments[0]).toBe(x);
    expect(out.moments[1].v).toBe(y);
    expect(() => rebuildState(state, [x])).toThrow(/state has 2 tensors, got 1/);
  });

  it('flattenTensors lists the same tensors and rebuilds alike', () => {
    const { tensors, rebuild } = flattenTensors(state);
    expect(tensors).toEqual([a, b]);
    expect(stateSkeleton(rebuild([b, a]))).toBe(
      '{"count":3,"moments":["<float64[1]>",{"v":"<float32[2]>"}]}',
    );
  });

  it('skeleton shows only non-tensor content and tensor signatures', () => {
    expect(stateSkeleton(state)).toBe('{"count":3,"moments":["<float32[2]>",{"v":"<float64[1]>"}]}');
    expect(stateSkeleton({ ...state, count: 4 })).not.toBe(stateSkeleton(state));
  });
});
