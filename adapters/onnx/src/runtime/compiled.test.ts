import { afterAll, describe, expect, it } from 'vitest';
import { OnnxOptimizer } from '../train/onnx-optimizer.ts';

/** `runSync(values, into)`: onnxruntime writes the outputs into caller-provided arrays. */
describe('CompiledGraph.runSync into preallocated outputs', () => {
  // sgd step: new_w = w - lr * g, a closed form to check the written values against
  const opt = new OnnxOptimizer({ name: 'sgd', lr: 0.5 }, [{ name: 'w', shape: [4] }]);
  const w = Float32Array.from([1, 2, 3, 4]);
  const g = Float32Array.from([2, -2, 0.5, 0]);
  const feeds = [w, g, Float64Array.of(1), Float64Array.of(0.5)];
  afterAll(() => opt.release());

  it('writes the results into views of a larger array and returns them', () => {
    const big = new Float32Array(12).fill(-7);
    const view = big.subarray(4, 8);
    const [out] = opt.compiled.runSync(feeds, [view]);
    expect(out).toBe(view);
    expect(Array.from(big)).toEqual([-7, -7, -7, -7, 0, 3, 2.75, 4, -7, -7, -7, -7]);
  });

  it('refuses arrays of the wrong count, size or type before running', () => {
    expect(() => opt.compiled.runSync(feeds, [])).toThrow(/has 1 outputs, got 0 arrays/);
    expect(() => opt.compiled.runSync(feeds, [new Float32Array(3)])).toThrow(
      /output 'new_params.w' needs a Float32Array of 4 values/,
    );
    expect(() => opt.compiled.runSync(feeds, [new Float64Array(4)])).toThrow(/needs a Float32Array/);
  });
});
