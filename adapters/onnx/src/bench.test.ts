import { describe, expect, it } from 'vitest';
import { memcpyBandwidth, ONNX_BENCH, optimizerBandwidth } from './bench.ts';

describe('bench suite onnx', () => {
  it('names the issue’s entries', () => {
    expect(ONNX_BENCH.map((e) => e.name)).toEqual([
      'onnx.adam.10M.bandwidth',
      'onnx.adam.1M.bandwidth',
      'onnx.sgd.1M.bandwidth',
      'onnx.sgd.10M.bandwidth',
      'onnx.momentum.1M.bandwidth',
      'onnx.momentum.10M.bandwidth',
      'onnx.train.mlp',
    ]);
  });

  it('reports bandwidth against memcpy measured in the same run (small size smoke run)', () => {
    const r = optimizerBandwidth('adam', 4096, { steps: 3 });
    expect(r.unit).toBe('GB/s');
    expect(r.peer).toBe('memcpy');
    expect(r.value).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.value / r.peerValue, 12);
    expect(memcpyBandwidth(1024, 3)).toBeGreaterThan(0);
  });

  it('times the pure step and the in-place step, chunked or whole, on request', () => {
    for (const options of [
      { pure: true },
      { chunkElements: 1000 },
      { chunkElements: 1000, chunkOptions: { prelude: false, direct: false } },
      { chunkElements: 0, pure: true },
    ]) {
      const r = optimizerBandwidth('momentum', 4096, { steps: 2, ...options });
      expect(r.value, JSON.stringify(options)).toBeGreaterThan(0);
    }
  });
});
