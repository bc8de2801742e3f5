import type { WireTensor } from './bridge/protocol.ts';
import { TorchWorker, type TorchWorkerOptions } from './bridge/worker.ts';
import type { BenchMeasurement, FrontendBenchEntry } from './core.ts';
import type { Float32Math } from './lower/prims.ts';
import { TorchOptimizer } from './train/torch-optimizer.ts';

/**
 * Bench suite `torch`. Every timing is a round trip from Node, so Reptile's step and the
 * torch.optim step it is compared with pay the same bridge overhead; medians of timed runs after
 * warm-up.
 */
export type BenchResult = BenchMeasurement;
export type BenchEntry = FrontendBenchEntry;

export interface TorchBenchOptions {
  /** Timed repetitions (median reported). Default 10. */
  readonly repeats?: number;
  /** Parameters in the Adam bench. Default 10M. */
  readonly params?: number;
  /** Lowering of float32 sqrt in the Adam bench (see prims.ts). Default 'exact'. */
  readonly float32Math?: Float32Math;
  /** Bytes per transfer in the bandwidth bench. Default 64 MiB. */
  readonly transferBytes?: number;
  /** Options for the worker each bench starts (and closes). */
  readonly workerOptions?: TorchWorkerOptions;
  /** Use this running worker instead (left open). */
  readonly worker?: TorchWorker;
}

async function withWorker<T>(
  options: TorchBenchOptions,
  fn: (worker: TorchWorker) => Promise<T>,
): Promise<T> {
  const worker = options.worker ?? new TorchWorker(options.workerOptions);
  try {
    return await fn(worker);
  } finally {
    if (!options.worker) await worker.close();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Times `a` and `b` alternately (a, b, a, b, ...) and returns both medians, so a burst of load
 * from elsewhere on the machine hits both sides instead of skewing their ratio.
 */
async function timedPair(
  repeats: number,
  warmup: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number]> {
  for (let k = 0; k < warmup; k++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let k = 0; k < repeats; k++) {
    let t0 = performance.now();
    await a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    await b();
    tb.push(performance.now() - t0);
  }
  return [median(ta), median(tb)];
}

async function timed(repeats: number, warmup: number, fn: () => Promise<unknown>): Promise<number> {
  for (let k = 0; k < warmup; k++) await fn();
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * `torch.adam.10M`: one bridge call running Reptile's exported Adam step (in place) over n
 * float32 params whose params, state and gradients are held in the worker, against
 * `torch.optim.Adam` (default implementation) stepping its own copy of the same tensors in the
 * same worker. ratio = torch.optim time / Reptile time (higher is better; 1 = parity).
 */
export async function adamBench(options: TorchBenchOptions = {}): Promise<BenchResult> {
  const n = options.params ?? 10_000_000;
  const repeats = options.repeats ?? 10;
  return withWorker(options, async (worker) => {
    const params = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
    const grads = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) * 0.01);
    const spec = [{ name: 'w', shape: [n] }];
    const opt = await TorchOptimizer.create(worker, { name: 'adam', lr: 1e-3 }, spec, {
      prefix: 'bench.',
      float32Math: options.float32Math ?? 'exact',
    });
    await opt.init([params]);
    const wire = (data: Float32Array): WireTensor => ({ dtype: 'float32', shape: [n], data });
    await worker.put({ 'bench.grad': wire(grads), 'peer.w': wire(params), 'peer.grad': wire(grads) });
    await worker.call(
      'peer.create',
      { id_name: 'adam', config: { name: 'adam', lr: 1e-3 }, params: ['peer.w'], grads: ['peer.grad'] },
      [],
    );
    const [reptile, peer] = await timedPair(
      repeats,
      3,
      () => opt.step([{ held: 'bench.grad' }]),
      () => worker.call('peer.step', { id_name: 'adam' }, []),
    );
    await worker.call('peer.release', { id_name: 'adam' }, []);
    await opt.dispose();
    await worker.drop(['bench.grad', 'peer.w', 'peer.grad']);
    return {
      value: reptile,
      unit: 'ms/step',
      peer: 'torch.optim.Adam',
      peerValue: peer,
      ratio: peer / reptile,
    };
  });
}

/** Fixed cost of one bridge round trip with no tensors, against a bare `setImmediate` hop. */
export async function overheadBench(options: TorchBenchOptions = {}): Promise<BenchResult> {
  return withWorker(options, async (worker) => {
    const repeats = (options.repeats ?? 10) * 50;
    const ping = await timed(repeats, 20, () => worker.ping());
    const hop = await timed(repeats, 20, () => new Promise((r) => setImmediate(r)));
    return {
      value: ping * 1000,
      unit: 'µs/call',
      peer: 'setImmediate',
      peerValue: hop * 1000,
      ratio: hop / ping,
    };
  });
}

/**
 * Transfer bandwidth of a 64 MiB float32 tensor to the worker (`put`) and back (`get`), in MB/s,
 * against an in-process copy of the same bytes.
 */
export async function bandwidthBench(
  direction: 'to' | 'from',
  options: TorchBenchOptions = {},
): Promise<BenchResult> {
  const bytes = options.transferBytes ?? 64 * 1024 * 1024;
  const repeats = options.repeats ?? 10;
  return withWorker(options, async (worker) => {
    const data = new Float32Array(bytes / 4).fill(1.5);
    const t: WireTensor = { dtype: 'float32', shape: [data.length], data };
    await worker.put({ blob: t });
    const ms =
      direction === 'to'
        ? await timed(repeats, 2, () => worker.put({ blob: t }))
        : await timed(repeats, 2, () => worker.get(['blob']));
    const copy = new Float32Array(data.length);
    const copyMs = await timed(repeats, 2, async () => copy.set(data));
    const mbps = (ms: number) => bytes / 1e6 / (ms / 1000);
    await worker.drop(['blob']);
    return {
      value: mbps(ms),
      unit: 'MB/s',
      peer: 'memcpy',
      peerValue: mbps(copyMs),
      ratio: mbps(ms) / mbps(copyMs),
    };
  });
}

export const TORCH_BENCHES: readonly BenchEntry[] = [
  { name: 'torch.adam.10M', run: () => adamBench() },
  { name: 'torch.bridge.overhead', run: () => overheadBench() },
  { name: 'torch.bridge.bandwidth.to-worker', run: () => bandwidthBench('to') },
  { name: 'torch.bridge.bandwidth.from-worker', run: () => bandwidthBench('from') },
];
