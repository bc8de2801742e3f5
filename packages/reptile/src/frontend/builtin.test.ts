import { describe, expect, it } from 'vitest';
import './builtin.ts';
import { getFrontend, registeredFrontends } from './frontend.ts';

describe('the frontends this package ships', () => {
  it('registers reference, onnx, tfjs (cpu, wasm) and torch', () => {
    expect(registeredFrontends()).toEqual(
      expect.arrayContaining(['reference', 'onnx', 'tfjs-cpu', 'tfjs-wasm', 'tfjs', 'torch']),
    );
  });

  it("'tfjs' is the tfjs frontend on the backend measured faster (wasm) under its own name", async () => {
    const tfjs = await getFrontend('tfjs');
    expect(tfjs.name).toBe('tfjs');
    const tf = await import('@tensorflow/tfjs-core');
    const out = await tfjs.infer(
      ([w], x) => x.matmul(w!),
      [{ name: 'w', shape: [2, 1], dtype: 'float32', trainable: true }],
      [Float32Array.of(2, -1)],
      Float32Array.of(1, 2, 3, 5),
      [2, 2],
    );
    // [1,2]·[2,-1] = 0, [3,5]·[2,-1] = 1
    expect([...out.values]).toEqual([0, 1]);
    expect(out.shape).toEqual([2, 1]);
    expect(tf.getBackend()).toBe('wasm');
  });
});
