import { describe, expect, it } from 'vitest';
import { memcpyBandwidth, ONNX_BENCH, optimizerBandwidth, trainMlpThroughput } from './bench.ts';

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

  it('times the train step and the PyTorch loop in alternating rounds (smoke run)', async () => {
    const r = await trainMlpThroughput({ steps: 4, rounds: 2, batch: 8, stepsPerRun: 2 });
    expect(r.unit).toBe('samples/s');
    expect(r.peer).toBe('pytorch-eager');
    expect(r.value).toBeGreaterThan(0);
    expect(r.peerValue).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.value / r.peerValue, 12);
    expect(r.details?.rounds).toBe(2);
  }, 60_000);
});
