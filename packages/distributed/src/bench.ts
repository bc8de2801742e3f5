import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchMeasurement, fail, median } from './core.ts';
import { launch } from './launch.ts';
import type { LaunchOptions } from './launch-types.ts';
import { commandExists, MPI_INSTALL_HINT } from './mpi/addon.ts';
import { currentContext } from './mpi/run-mpirun.ts';

/**
 * Benchmarks of the distributed package, in the CLI bench's result shape. Every entry measures
 * Reptile and its peer in the same run, alternating them `rounds` times and keeping each side's
 * best round, so a burst of load from other processes on the machine hurts neither side alone.
 */
export type DistributedBenchResult = BenchMeasurement & {
  readonly name: string;
  readonly target: number;
  readonly details: Readonly<Record<string, number>>;
};

export interface DistributedBenchEntry {
  readonly name: string;
  readonly description: string;
  readonly target: number;
  run(): Promise<DistributedBenchResult>;
}

const MiB16 = 16 * 1024 * 1024;
const WARMUP = 5;
const ITERATIONS = 30;
const ROUNDS = 3;
/** The path of a bench worker script (`bench-workers/<name>.ts`). */
export const benchWorker = (name: string) =>
  fileURLToPath(new URL(`./bench-workers/${name}.ts`, import.meta.url));
const RAW_SOURCE = fileURLToPath(new URL('../native/allreduce_bench.c', import.meta.url));
const RAW_BINARY = fileURLToPath(new URL('../build/allreduce_bench', import.meta.url));

/** NCCL-tests' bus bandwidth of an allreduce: algorithm bandwidth × 2(K − 1)/K, in GB/s. */
export function busBandwidth(bytes: number, seconds: number, ranks: number): number {
  return ((bytes / seconds) * (2 * (ranks - 1))) / ranks / 1e9;
}

/** Runs a worker script and returns the JSON its rank 0 printed after `RESULT `. */
export async function workerResult<T>(options: Omit<LaunchOptions, 'onLine'>): Promise<T> {
  const lines: string[] = [];
  let found: T | undefined;
  const r = await launch({
    ...options,
    onLine: (line, _stream, rank) => {
      lines.push(line);
      if (rank === 0 && line.startsWith('RESULT ')) found = JSON.parse(line.slice(7)) as T;
    },
  });
  if (r.code !== 0 || found === undefined) {
    fail(`benchmark worker ${options.script} failed (exit ${r.code})`, {
      where: 'bench',
      hint: lines.slice(-5).join(' | '),
    });
  }
  return found;
}

/** Best (smallest) value of each side over alternating rounds. */
async function alternate(
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[number, number]> {
  let bestA = Number.POSITIVE_INFINITY;
  let bestB = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    bestA = Math.min(bestA, await a());
    bestB = Math.min(bestB, await b());
  }
  return [bestA, bestB];
}

/** Compiles native/allreduce_bench.c with the MPI compiler wrapper (once, or when the source changed). */
export function buildRawAllreduce(): string {
  if (!commandExists('mpicc'))
    fail('the raw MPI peer needs mpicc', { where: 'bench allreduce.mpi', hint: MPI_INSTALL_HINT });
  if (!existsSync(RAW_BINARY) || statSync(RAW_BINARY).mtimeMs < statSync(RAW_SOURCE).mtimeMs) {
    mkdirSync(fileURLToPath(new URL('../build', import.meta.url)), { recursive: true });
    execFileSync('mpicc', ['-O2', RAW_SOURCE, '-o', RAW_BINARY], { stdio: 'inherit' });
  }
  return RAW_BINARY;
}

interface AllreduceTimes {
  memcpySeconds: number;
  allreduceSeconds: number;
  inPlaceSeconds: number;
  stagedSeconds: number;
}

const allreduceArgs = [String(MiB16), String(WARMUP), String(ITERATIONS)];

const allreduceMpi: DistributedBenchEntry = {
  name: 'allreduce.mpi.16MiB',
  description:
    'MPI transport allreduce-mean of 16 MiB float32 on 2 ranks vs MPI_Allreduce in C (same library)',
  target: 0.8,
  async run() {
    const raw = buildRawAllreduce();
    const context = currentContext();
    const rawArgs = [
      '-np',
      '2',
      ...(context.isRoot ? ['--allow-run-as-root'] : []),
      ...(context.cores < 2 ? ['--oversubscribe'] : []),
    ];
    let allocating = Number.POSITIVE_INFINITY;
    const [reptile, peer] = await alternate(
      ROUNDS,
      async () => {
        const t = await workerResult<AllreduceTimes>({
          n: 2,
          transport: 'mpi',
          script: benchWorker('allreduce-worker'),
          args: allreduceArgs,
        });
        allocating = Math.min(allocating, t.allreduceSeconds);
        return t.inPlaceSeconds;
      },
      async () => {
        const out = execFileSync('mpirun', [...rawArgs, raw, ...allreduceArgs], { encoding: 'utf8' });
        return (JSON.parse(out.trim().split('\n').at(-1)!) as { seconds: number }).seconds;
      },
    );
    const value = busBandwidth(MiB16, reptile, 2);
    const peerValue = busBandwidth(MiB16, peer, 2);
    return {
      name: this.name,
      value,
      unit: 'GB/s',
      peer: 'MPI_Allreduce (C)',
      peerValue,
      ratio: value / peerValue,
      target: this.target,
      details: {
        inPlaceSeconds: reptile,
        rawSeconds: peer,
        allocatingSeconds: allocating,
        allocatingBusGBs: busBandwidth(MiB16, allocating, 2),
      },
    };
  },
};

const allreduceLocal: DistributedBenchEntry = {
  name: 'allreduce.local.16MiB',
  description: 'local transport allreduce-mean of 16 MiB float32 on 2 worker threads vs memcpy bandwidth',
  target: 0.5,
  async run() {
    let best: AllreduceTimes | undefined;
    for (let i = 0; i < ROUNDS; i++) {
      const t = await workerResult<AllreduceTimes>({
        n: 2,
        script: benchWorker('allreduce-worker'),
        args: allreduceArgs,
      });
      if (!best || t.stagedSeconds < best.stagedSeconds)
        best = { ...t, memcpySeconds: Math.min(t.memcpySeconds, best?.memcpySeconds ?? Infinity) };
      else best.memcpySeconds = Math.min(best.memcpySeconds, t.memcpySeconds);
    }
    const t = best!;
    const value = busBandwidth(MiB16, t.stagedSeconds, 2);
    const peerValue = MiB16 / t.memcpySeconds / 1e9;
    return {
      name: this.name,
      value,
      unit: 'GB/s',
      peer: 'memcpy (TypedArray.set)',
      peerValue,
      ratio: value / peerValue,
      target: this.target,
      details: {
        stagedSeconds: t.stagedSeconds,
        memcpySeconds: t.memcpySeconds,
        inPlaceCopySeconds: t.inPlaceSeconds,
        allocatingSeconds: t.allreduceSeconds,
        allocatingBusGBs: busBandwidth(MiB16, t.allreduceSeconds, 2),
      },
    };
  },
};

/** Samples/s of every block of each configuration, in round order (bench-workers/mlp-worker.ts). */
interface MlpBlocks {
  two: number[];
  one: number[];
  apart: number[];
  twoSyncSeconds: number[];
}

/**
 * The MLP workload of docs/distributed.md: 32-128-10, batch 64 per rank, ZooKeeper β = 1, H = 1.
 * One launch of 2 worker threads alternates blocks of 2-rank training, 1-rank training and
 * 2 ranks training apart (no communication), each block after a long warm-up, so both sides are
 * measured in steady state and under the same load.
 */
const MLP_ROUNDS = 24;
const MLP_BLOCK_STEPS = 50;
const MLP_BATCH = 64;
const MLP_WARMUP = 300;

const scaling2: DistributedBenchEntry = {
  name: 'zookeeper.scaling.2',
  description: 'MLP training samples/s with ZooKeeper (β=1, H=1) on 2 local workers vs 1',
  target: 1.6,
  async run() {
    const b = await workerResult<MlpBlocks>({
      n: 2,
      script: benchWorker('mlp-worker'),
      args: [MLP_ROUNDS, MLP_BLOCK_STEPS, MLP_BATCH, 128, MLP_WARMUP].map(String),
    });
    const [two, one, apart] = [b.two, b.one, b.apart].map((blocks) => Math.max(...blocks)) as [
      number,
      number,
      number,
    ];
    const stepMs = (samplesPerSecond: number, ranks: number) =>
      ((MLP_BATCH * ranks) / samplesPerSecond) * 1000;
    return {
      name: this.name,
      value: two,
      unit: 'samples/s',
      peer: '1 worker',
      peerValue: one,
      ratio: two / one,
      target: this.target,
      details: {
        oneWorkerStepMs: stepMs(one, 1),
        twoWorkerStepMs: stepMs(two, 2),
        /** Time per step a rank of the best 2-worker block spent inside the allreduce, waiting included. */
        twoWorkerSyncMs: (b.twoSyncSeconds[b.two.indexOf(two)]! / MLP_BLOCK_STEPS) * 1000,
        /** 2 ranks training apart vs 1 (best blocks): what the machine allowed without communication. */
        independentRatio: apart / one,
        /** The median over rounds of 2 workers ÷ 1 worker within the same round. */
        medianRoundRatio: median(b.two.map((two, r) => two / b.one[r]!)),
        rounds: MLP_ROUNDS,
      },
    };
  },
};

export const BENCH_ENTRIES: readonly DistributedBenchEntry[] = [allreduceMpi, allreduceLocal, scaling2];

/** Runs the named entries (all by default) in order. */
export async function runDistributedBench(names?: readonly string[]): Promise<DistributedBenchResult[]> {
  const chosen = names ? BENCH_ENTRIES.filter((e) => names.includes(e.name)) : BENCH_ENTRIES;
  const out: DistributedBenchResult[] = [];
  for (const entry of chosen) out.push(await entry.run());
  return out;
}
