import type { FrontendBenchEntry } from '@reptile/core';
import { formatTable } from '../workspace.ts';
import type { BenchEntry, BenchOptions, BenchResult, BenchSuite } from './bench.ts';
import { coreSuite } from './core-suite.ts';

/**
 * A suite whose entries live in a frontend package, imported only when the suite runs so that
 * `bench core` never loads onnxruntime or tfjs.
 */
function frontendSuite(
  name: string,
  description: string,
  load: () => Promise<readonly FrontendBenchEntry[]>,
): BenchSuite {
  return {
    name,
    description,
    async entries(): Promise<readonly BenchEntry[]> {
      return (await load()).map((e) => ({
        name: e.name,
        description: e.description ?? e.name,
        run: async () => ({ ...(await e.run()), name: e.name }),
      }));
    },
  };
}

/** Benchmark suites by name. */
export const SUITES: ReadonlyMap<string, BenchSuite> = new Map(
  [
    coreSuite,
    frontendSuite(
      'tfjs',
      'Reptile optimizers inside tfjs vs tf.train, wasm backend',
      async () => (await import('@reptile/tfjs/bench')).BENCHES,
    ),
    frontendSuite(
      'onnx',
      'fused optimizer steps and train steps on onnxruntime-node',
      async () => (await import('@reptile/onnx/bench')).ONNX_BENCH,
    ),
    frontendSuite(
      'torch',
      'bridge-run Adam vs torch.optim.Adam in the same worker; bridge overhead and bandwidth',
      async () => (await import('@reptile/torch/bench')).TORCH_BENCHES,
    ),
    frontendSuite('allreduce', 'collective bandwidth: MPI vs raw MPI_Allreduce, local vs memcpy', async () =>
      (await import('@reptile/distributed/bench')).BENCH_ENTRIES.filter((e) =>
        e.name.startsWith('allreduce.'),
      ),
    ),
    frontendSuite(
      'frontends',
      'founding example train steps/s per frontend a Model can default to, vs reference',
      async () => (await import('reptile/frontend-bench')).FRONTEND_BENCH,
    ),
    frontendSuite(
      'conv',
      'conv2d primitive vs the im2col composite it replaced, per frontend; composite pooling vs tfjs kernels',
      async () => (await import('reptile/conv-bench')).CONV_BENCH,
    ),
    frontendSuite('zookeeper', 'ZooKeeper scaling: samples/s of 2 workers vs 1', async () =>
      (await import('@reptile/distributed/bench')).BENCH_ENTRIES.filter((e) =>
        e.name.startsWith('zookeeper.'),
      ),
    ),
  ].map((s) => [s.name, s] as const),
);

export interface SuiteReport {
  readonly suite: string;
  readonly results: BenchResult[];
}

/** Runs every entry of a suite in order; `onResult` sees each result as soon as it is measured. */
export async function runSuite(
  suite: BenchSuite,
  options: BenchOptions,
  onResult: (r: BenchResult) => void = () => {},
): Promise<SuiteReport> {
  const results: BenchResult[] = [];
  for (const entry of await suite.entries(options)) {
    const result = await entry.run(options);
    results.push(result);
    onResult(result);
  }
  return { suite: suite.name, results };
}

export function formatBenchTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    `${r.value.toFixed(3)} ${r.unit}`,
    `${r.peer}: ${r.peerValue.toFixed(3)} ${r.unit}`,
    r.ratio.toFixed(3),
    r.target === undefined ? '-' : `≥ ${r.target} ${r.ratio >= r.target ? 'met' : 'NOT met'}`,
  ]);
  return formatTable(['entry', 'reptile', 'peer', 'ratio', 'target'], rows);
}
