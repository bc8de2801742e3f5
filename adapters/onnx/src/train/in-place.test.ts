import { describe, expect, it } from 'vitest';
import { type GraphShape, inPlaceSafety, overlaps, sameMemory } from './in-place.ts';

const node = (op_type: string, input: string[], output: string) => ({ op_type, input, output: [output] });

describe('inPlaceSafety: which outputs may overwrite which inputs', () => {
  it('allows an elementwise producer to overwrite the input it reads last (SGD: p + u)', () => {
    const graph: GraphShape = { node: [node('Mul', ['g', 'lr'], 'u'), node('Add', ['p', 'u'], 'new_p')] };
    // rows: inputs p, g, lr; column: new_p
    expect(inPlaceSafety(graph, ['p', 'g', 'lr'], ['new_p'])).toEqual([[true], [true], [true]]);
  });

  it('allows it when every other reader runs earlier (Adam: m + (g − m)·0.1)', () => {
    const graph: GraphShape = {
      node: [node('Sub', ['g', 'm'], 'd'), node('Mul', ['d', 'c'], 's'), node('Add', ['m', 's'], 'new_m')],
    };
    expect(inPlaceSafety(graph, ['m', 'g'], ['new_m'])).toEqual([[true], [true]]);
  });

  it('refuses when a reader may run after the producer (Lion reads m for both outputs)', () => {
    // new_m = m·b2 + g, new_p = p − sign(m + g): neither producer runs after both readers of m
    const graph: GraphShape = {
      node: [
        node('Mul', ['m', 'b2'], 'mb'),
        node('Add', ['mb', 'g'], 'new_m'),
        node('Add', ['m', 'g'], 'c'),
        node('Sign', ['c'], 's'),
        node('Sub', ['p', 's'], 'new_p'),
      ],
    };
    const safe = inPlaceSafety(graph, ['m', 'p'], ['new_m', 'new_p']);
    expect(safe[0]).toEqual([false, false]);
    expect(safe[1]).toEqual([false, true]);
  });

  it('refuses reads through views, copies and non-elementwise producers', () => {
    const viaView: GraphShape = { node: [node('Reshape', ['x', 's'], 'r'), node('Add', ['r', 'c'], 'y')] };
    expect(inPlaceSafety(viaView, ['x'], ['y'])).toEqual([[false]]);
    const identity: GraphShape = { node: [node('Identity', ['x'], 'y')] };
    expect(inPlaceSafety(identity, ['x'], ['y'])).toEqual([[false]]);
    const matmul: GraphShape = { node: [node('MatMul', ['x', 'w'], 'y')] };
    expect(inPlaceSafety(matmul, ['x', 'w'], ['y'])).toEqual([[false], [false]]);
    // a reader through a view that runs before the producer is fine
    const viewFirst: GraphShape = {
      node: [node('Reshape', ['x', 's'], 'r'), node('Neg', ['r'], 'n'), node('Add', ['n', 'x'], 'y')],
    };
    expect(inPlaceSafety(viewFirst, ['x'], ['y'])).toEqual([[true]]);
  });

  it('refuses outputs no node produces (a graph input passed through)', () => {
    expect(inPlaceSafety({ node: [] }, ['x'], ['x'])).toEqual([[false]]);
  });
});

describe('overlaps and sameMemory', () => {
  it('compare byte ranges of views of one buffer', () => {
    const a = new Float32Array(16);
    expect(overlaps(a.subarray(0, 8), a.subarray(7, 9))).toBe(true);
    expect(overlaps(a.subarray(0, 8), a.subarray(8, 16))).toBe(false);
    expect(overlaps(a, new Float32Array(16))).toBe(false);
    expect(sameMemory(a.subarray(2, 6), new Float32Array(a.buffer, 8, 4))).toBe(true);
    expect(sameMemory(a.subarray(2, 6), a.subarray(2, 7))).toBe(false);
    expect(sameMemory(a, a.slice())).toBe(false);
  });
});
