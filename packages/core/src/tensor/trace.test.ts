import { describe, expect, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { Tensor } from './tensor.ts';
import { graphSignature, runGraph, trace } from './trace.ts';

describe('trace', () => {
  const specs = [
    { name: 'w', shape: [3], dtype: 'float64' as const },
    { name: 'x', shape: [2, 3], dtype: 'float64' as const },
  ];
  const program = (w: Tensor, x: Tensor) => {
    const loss = x.matmul(w).square().sum();
    return { loss, dw: grad(loss, [w])[0]! };
  };

  it('records a program, including its gradient, as a graph that runs with bound inputs', () => {
    const g = trace(specs, (w, x) => {
      const r = program(w!, x!);
      return { loss: r.loss, dw: r.dw };
    });
    expect(g.outputNames).toEqual(['loss', 'dw']);
    const w = new Float64Array([1, 2, 3]);
    const x = new Float64Array([1, 0, 1, 0, 1, 0]);
    const [loss, dw] = runGraph(g, [w, x]);
    // x·w = [4, 2]; loss = 16 + 4; dw = 2·xᵀ(xw) = 2·[4, 2, 4]
    expect(Array.from(loss!)).toEqual([20]);
    expect(Array.from(dw!)).toEqual([8, 4, 8]);
    const eager = program(Tensor.fromData(w, [3], 'float64'), Tensor.fromData(x, [2, 3], 'float64'));
    expect(eager.loss.item()).toBe(20);
  });

  it('gives equal signatures to equal programs and different ones otherwise', () => {
    const a = trace(specs, (w, x) => [x!.matmul(w!)]);
    const b = trace(specs, (w, x) => [x!.matmul(w!)]);
    const c = trace(specs, (w, x) => [x!.matmul(w!).add(1)]);
    expect(graphSignature(a)).toBe(graphSignature(b));
    expect(graphSignature(a)).not.toBe(graphSignature(c));
  });

  it('checks input count and sizes before running', () => {
    const g = trace(specs, (w, x) => [x!.matmul(w!)]);
    expect(() => runGraph(g, [new Float64Array(3)])).toThrow(/takes 2 inputs, got 1/);
    expect(() => runGraph(g, [new Float64Array(2), new Float64Array(6)])).toThrow(/input 'w' has 2 values/);
  });

  it('refuses duplicate input names', () => {
    expect(() => trace([specs[0]!, specs[0]!], (w) => [w!])).toThrow(/duplicate input name 'w'/);
  });
});
