import { afterAll, describe, expect, it } from 'vitest';
import { adamBench, bandwidthBench, overheadBench, TORCH_BENCHES } from './bench.ts';
import { testWorker } from './testing/harness.ts';

const worker = testWorker();
afterAll(() => worker.close());

/** Smoke test of the bench suite at toy sizes (the real entries run 10M params and 64 MiB). */
describe('bench suite torch', () => {
  it('lists the entries the issue asks for', () => {
    expect(TORCH_BENCHES.map((b) => b.name)).toEqual([
      'torch.adam.10M',
      'torch.bridge.overhead',
      'torch.bridge.bandwidth.to-worker',
      'torch.bridge.bandwidth.from-worker',
    ]);
  });

  it('measures Adam against torch.optim.Adam, overhead and bandwidth', async () => {
    const adam = await adamBench({ worker, params: 100_000, repeats: 2 });
    expect(adam.peer).toBe('torch.optim.Adam');
    expect(adam.ratio).toBeCloseTo(adam.peerValue / adam.value, 10);
    const overhead = await overheadBench({ worker, repeats: 1 });
    expect(overhead.unit).toBe('µs/call');
    expect(overhead.value).toBeGreaterThan(0);
    for (const direction of ['to', 'from'] as const) {
      const bw = await bandwidthBench(direction, { worker, transferBytes: 1 << 20, repeats: 2 });
      expect(bw.unit).toBe('MB/s');
      expect(bw.value).toBeGreaterThan(0);
    }
  });
});
