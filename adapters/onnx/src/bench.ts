import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { BenchMeasurement, FrontendBenchEntry } from '@reptile/core';
import { median, ops, type Tensor, type TypedArray } from '@reptile/core';
import type { ChunkedStepOptions } from './train/chunked-step.ts';
import { OnnxOptimizer, type OnnxRunOptions } from './train/onnx-optimizer.ts';
import { OnnxTrainer } from './train/onnx-trainer.ts';

/**
 * Bench suite `onnx`: fused optimizer steps on onnxruntime-node, reported as memory bandwidth
 * against a memcpy measured in the same run. Bytes counted are those the update must move: every
 * input array read once and every output array written once (float32). Steps are in place
 * (`stepInPlace`, as torch.optim and the torch suite's `torch.adam.10M` run), so the peer and the
 * update both write warm memory; `pure: true` times `step`, whose fresh outputs also pay their
 * page faults (docs/onnx.md, "Bench suite").
 */
export type BenchResult = BenchMeasurement;
export type BenchEntry = FrontendBenchEntry;

export interface BandwidthOptions {
  /** Timed steps after warm-up (best reported). Default 10. */
  readonly steps?: number;
  readonly intraOpNumThreads?: number;
  /** Time the pure `step` (fresh output arrays) instead of `stepInPlace`. */
  readonly pure?: boolean;
  /** OnnxOptimizer's chunkElements (0: one whole-tensor run per step). */
  readonly chunkElements?: number;
  /** How chunks run (step prelude, direct writes), to time the variants side by side. */
  readonly chunkOptions?: ChunkedStepOptions;
}

const KINDS = {
  sgd: { config: { name: 'sgd', lr: 0.01 }, arrays: 3 }, // reads p, g; writes p
  momentum: { config: { name: 'sgd', lr: 0.01, momentum: 0.9 }, arrays: 5 }, // + reads/writes buf
  adam: { config: { name: 'adam', lr: 1e-3 }, arrays: 7 }, // reads p, g, m, v; writes p, m, v
} as const;

export type BandwidthKind = keyof typeof KINDS;

/**
 * Best of k: the least-disturbed run. On a shared machine medians mostly measure the neighbours;
 * both sides of every ratio are timed the same way.
 */
function best(xs: number[]): number {
  return Math.min(...xs);
}

/** memcpy bandwidth (bytes read + written per second) between two warm buffers of n floats. */
export function memcpyBandwidth(n: number, repeats = 10): number {
  const src = new Float32Array(n).fill(1);
  const dst = new Float32Array(n);
  dst.set(src); // fault the pages in before timing
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    dst.set(src);
    times.push(performance.now() - t0);
  }
  return (2 * 4 * n) / (best(times) / 1000);
}

/** Achieved bandwidth of one optimizer step over n float32 params (chunked runs, see ChunkedStep). */
export function optimizerBandwidth(
  kind: BandwidthKind,
  n: number,
  options: BandwidthOptions = {},
): BenchResult {
  const { config, arrays } = KINDS[kind];
  const opt = new OnnxOptimizer(config, [{ name: 'w', shape: [n] }], {
    accumulate: 'native',
    ...(options.intraOpNumThreads !== undefined ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...(options.chunkElements !== undefined ? { chunkElements: options.chunkElements } : {}),
    ...(options.chunkOptions !== undefined ? { chunkOptions: options.chunkOptions } : {}),
  });
  try {
    let params: TypedArray[] = [Float32Array.from({ length: n }, (_, i) => (i % 17) * 0.01)];
    const grads = [Float32Array.from({ length: n }, (_, i) => ((i % 13) - 6) * 0.001)];
    let state = opt.init(params);
    const update = options.pure
      ? () => ({ params, state } = opt.step(params, grads, state))
      : () => {
          state = opt.stepInPlace(params, grads, state);
        };
    for (let k = 0; k < 2; k++) update(); // warm-up: session, arena
    const times: number[] = [];
    for (let k = 0; k < (options.steps ?? 10); k++) {
      const t0 = performance.now();
      update();
      times.push(performance.now() - t0);
    }
    const value = (arrays * 4 * n) / (best(times) / 1000) / 1e9;
    const peerValue = memcpyBandwidth(n) / 1e9;
    return { value, unit: 'GB/s', peer: 'memcpy', peerValue, ratio: value / peerValue };
  } finally {
    opt.release();
  }
}

/**
 * One onnxruntime thread, like its single-threaded memcpy peer: with the default (one per core)
 * the 2-core development VM under load ran Adam at 1.2 GB/s instead of 2.7 (docs/onnx.md). Two
 * threads were measured again with the step prelude and direct writes (Adam/SGD/momentum 10M,
 * chunks of 256K and 512K, load 3–5): mostly slower (Adam ratio 0.11–0.27 against 0.19–0.29).
 */
const entry = (kind: BandwidthKind, n: number, label: string, target?: number): BenchEntry => ({
  name: `onnx.${kind}.${label}.bandwidth`,
  run: async () => {
    const result = optimizerBandwidth(kind, n, { intraOpNumThreads: 1 });
    return target === undefined ? result : { ...result, target };
  },
});

/** A small deterministic generator (LCG), so both sides of a comparison see the same data. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const MLP = [784, 128, 64, 10] as const;

/**
 * The PyTorch peer: the same MLP, batch, optimizer and loss as a plain eager loop. It stays up
 * between rounds: each line on stdin is a number of steps to time, answered with samples/s.
 */
const TORCH_LOOP = `
import sys, time, torch
threads, batch = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.rand(batch, 784)
y = torch.randint(0, 10, (batch,))
def step():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
for _ in range(5): step()
print("ready", flush=True)
for line in sys.stdin:
    steps = int(line)
    t0 = time.perf_counter()
    for _ in range(steps): step()
    print(batch * steps / (time.perf_counter() - t0), flush=True)
`;

export interface TrainMlpOptions {
  /** Steps per timed round (a multiple of stepsPerRun). Default 50. */
  readonly steps?: number;
  /** Rounds; each times Reptile then PyTorch, and the best round of each is reported. Default 7. */
  readonly rounds?: number;
  /** Threads for onnxruntime (intra-op) and torch. Default: the cores, at most 4. */
  readonly threads?: number;
  readonly batch?: number;
  /**
   * Steps per session.run (OnnxTrainer.runSteps, one ONNX Loop). The one-step-per-run trainer is
   * timed alongside in the same rounds and reported in `details`. Default 10.
   */
  readonly stepsPerRun?: number;
  /** Extra OnnxTrainer options, to time variants. */
  readonly trainer?: OnnxRunOptions;
}

/** How long a side rests before its round, so the other's idle spinning threads have stopped. */
const SETTLE_MS = 100;

/**
 * Training throughput (samples/s) of a 784-128-64-10 MLP, batch 128, Adam + cross-entropy, as an
 * exported train-step graph on onnxruntime-node, against a PyTorch eager CPU loop with the same
 * thread count. Every optimizer step trains one batch of 128 on both sides; Reptile runs
 * `stepsPerRun` of them per session.run (the train-loop graph), and its one-step-per-run
 * throughput is measured in the same rounds (`details.singleStep*`). The contenders alternate
 * round by round, each after a short rest, so load from other jobs falls on all of them and
 * neither runs while the other's thread pool is still spinning; each reports its best round
 * (docs/benchmarks.md).
 */
export async function trainMlpThroughput(options: TrainMlpOptions = {}): Promise<BenchResult> {
  const perRun = options.stepsPerRun ?? 10;
  const steps = options.steps ?? 50;
  const rounds = options.rounds ?? 7;
  const threads = options.threads ?? Math.min(availableParallelism(), 4);
  const batch = options.batch ?? 128;
  if (steps % perRun !== 0) throw new Error(`steps (${steps}) must be a multiple of stepsPerRun (${perRun})`);
  // one weight and one bias per layer; fanIn is the layer's input width
  const params = [1, 2, 3].flatMap((l) => [
    { name: `w${l}`, shape: [MLP[l - 1]!, MLP[l]!], fanIn: MLP[l - 1]! },
    { name: `b${l}`, shape: [MLP[l]!], fanIn: MLP[l - 1]! },
  ]);
  const forward = ([w1, b1, w2, b2, w3, b3]: readonly Tensor[], x: Tensor) =>
    ops
      .relu(ops.relu(x.matmul(w1!).add(b1!)).matmul(w2!).add(b2!))
      .matmul(w3!)
      .add(b3!);
  const trainer = (stepsPerRun: number) =>
    new OnnxTrainer(
      {
        params,
        x: { shape: [batch, MLP[0]] },
        y: { shape: [batch], dtype: 'int32' },
        forward,
        loss: { name: 'crossEntropy' },
        optimizer: { name: 'adam', lr: 1e-3 },
      },
      { accumulate: 'native', intraOpNumThreads: threads, ...options.trainer, stepsPerRun },
    );
  const single = trainer(1);
  const looped = trainer(perRun);
  const peer = await TorchPeer.start(threads, batch);
  try {
    const rand = lcg(1);
    // uniform(±1/sqrt(fanIn)), as torch.nn.Linear initialises weights and biases
    const init = params.map((p) => {
      const bound = 1 / Math.sqrt(p.fanIn);
      return Float32Array.from(
        { length: p.shape.reduce((a, b) => a * b, 1) },
        () => (rand() * 2 - 1) * bound,
      );
    });
    const x = Float32Array.from({ length: batch * MLP[0] }, () => rand());
    const y = Int32Array.from({ length: batch }, () => Math.floor(rand() * 10));
    // the same batch every step, as the PyTorch loop does
    const xs = new Float32Array(perRun * x.length);
    const ys = new Int32Array(perRun * y.length);
    for (let k = 0; k < perRun; k++) {
      xs.set(x, k * x.length);
      ys.set(y, k * y.length);
    }
    let oneState = single.init(init);
    let loopState = looped.init(init);
    const runSingle = (n: number) => {
      for (let k = 0; k < n; k++) ({ state: oneState } = single.step(oneState, x, y));
    };
    const runLooped = (n: number) => {
      for (let k = 0; k < n / perRun; k++) ({ state: loopState } = looped.runSteps(loopState, xs, ys));
    };
    runSingle(perRun); // warm-up: sessions, arenas
    runLooped(perRun);
    const rate = (run: (n: number) => void) => {
      const t0 = performance.now();
      run(steps);
      return (batch * steps) / ((performance.now() - t0) / 1000);
    };
    const ours: number[] = [];
    const oneByOne: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      await settle();
      ours.push(rate(runLooped));
      await settle();
      oneByOne.push(rate(runSingle));
      await settle();
      theirs.push(await peer.round(steps));
    }
    const value = Math.max(...ours);
    const peerValue = Math.max(...theirs);
    return {
      value,
      unit: 'samples/s',
      peer: 'pytorch-eager',
      peerValue,
      ratio: value / peerValue,
      target: 1.0,
      details: {
        rounds,
        steps,
        threads,
        stepsPerRun: perRun,
        singleStepValue: Math.max(...oneByOne),
        singleStepRatio: Math.max(...oneByOne) / peerValue,
        medianRatio: median(ours) / median(theirs),
        singleStepMedianRatio: median(oneByOne) / median(theirs),
      },
    };
  } finally {
    peer.stop();
    single.release();
    looped.release();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/** The PyTorch loop as a child process answering one timed round per request. */
class TorchPeer {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        this.deliver(buffered.slice(0, i).trim());
        buffered = buffered.slice(i + 1);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-2000);
    });
    child.on('close', () => this.deliver(undefined));
    child.on('error', (err) => {
      this.stderr += err.message;
      this.deliver(undefined);
    });
  }

  static async start(threads: number, batch: number): Promise<TorchPeer> {
    const child = spawn('python3', ['-c', TORCH_LOOP, String(threads), String(batch)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new TorchPeer(child);
    const ready = await peer.next();
    if (ready !== 'ready') throw peer.failure();
    return peer;
  }

  async round(steps: number): Promise<number> {
    this.child.stdin!.write(`${steps}\n`);
    const value = Number(await this.next());
    if (!Number.isFinite(value)) throw this.failure();
    return value;
  }

  stop(): void {
    this.child.stdin!.end();
    this.child.kill();
  }

  private next(): Promise<string | undefined> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  private deliver(line: string | undefined): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(line);
    else if (line !== undefined) this.lines.push(line);
  }

  private failure(): Error {
    return new Error(
      `the PyTorch peer did not run (${this.stderr.trim() || 'no output'}); install it with \`python3 -m pip install torch==2.13.0\``,
    );
  }
}

export const ONNX_BENCH: readonly BenchEntry[] = [
  entry('adam', 10_000_000, '10M', 0.5),
  entry('adam', 1_000_000, '1M'),
  entry('sgd', 1_000_000, '1M'),
  entry('sgd', 10_000_000, '10M'),
  entry('momentum', 1_000_000, '1M'),
  entry('momentum', 10_000_000, '10M'),
  { name: 'onnx.train.mlp', run: () => trainMlpThroughput() },
];
