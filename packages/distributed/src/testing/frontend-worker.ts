/**
 * A training script run by the ONNX and TorchScript distributed tests on every rank: ZooKeeper
 * on linear-problem.ts's least-squares problem in float32 (the dtype those frontends train in),
 * with the proposal step on the frontend named in the config and a moving mean of the inputs as
 * non-trainable state. The same data, shards, jitter and initial weights as linear-worker.ts, so
 * linear-replay.ts's float64 replay is the oracle to float32 rounding. The gradients (core's
 * autodiff graph) and the statistics are realised on the frontend's own backend too, so a run is
 * training on that frontend end to end. Writes out/rank-<r>.json. Config: a JSON file named by argv[2].
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OnnxOptimizerState } from '../../../../adapters/onnx/src/index.ts';
import { connect } from '../connect.ts';
import { grad, materialize, type OptimizerState, realize, Tensor, type TypedArray } from '../core.ts';
import { createRng } from '../rng.ts';
import { shardIndices } from '../shard.ts';
import { zookeeperRank } from '../zookeeper-rank.ts';
import {
  batchInputs,
  type LinearWorkerConfig,
  linearProblem,
  rankInit,
  type StepLog,
  type WorkerOutput,
} from './linear-problem.ts';

export type Frontend = 'reference' | 'onnx' | 'torch';
export type FrontendWorkerOutput = WorkerOutput & { readonly engine: string };
export type FrontendWorkerConfig = Omit<LinearWorkerConfig, 'checkpoint' | 'fault' | 'stepDelayMs'> & {
  readonly frontend: Frontend;
};

/** One frontend's ZooKeeper rank behind the three calls the loop needs. */
interface Rank {
  /** What ran the proposal step, so tests see the frontend really was the one asked for. */
  readonly engine: string;
  /** Realises the gradients (and statistics) on the frontend's own backend. */
  compute(tensors: readonly Tensor[]): Promise<TypedArray[]>;
  start(params: TypedArray[], stats: TypedArray[]): Promise<TypedArray[]>;
  params(): Promise<TypedArray[]>;
  step(grads: TypedArray[], stats: TypedArray[]): Promise<{ stats: TypedArray[]; synced: boolean }>;
  consensus(stats: TypedArray[]): Promise<{ params: TypedArray[]; nonTrainable: TypedArray[] }>;
  close(): Promise<void>;
}

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FrontendWorkerConfig & { out: string };
const c = connect();
const problem = linearProblem(cfg.n, cfg.d, cfg.seed);
const specs = [
  { name: 'w', shape: [cfg.d] },
  { name: 'b', shape: [] },
];
const f32 = (v: ArrayLike<number>) => Float32Array.from(v as ArrayLike<number>);
const list = (ts: readonly ArrayLike<number>[]): number[] => ts.flatMap((t) => Array.from(t));

const rank = await openRank(cfg.frontend);
const own = rankInit(cfg.d, c.rank);
let stats = await rank.start([f32(own.w), f32([own.b])], [new Float32Array(cfg.d)]);
const rng = createRng(7 + c.rank);
const perEpoch = Math.floor(Math.floor(cfg.n / c.size) / cfg.batch);
const log: StepLog[] = [];
for (let t = 0; t < cfg.steps; t++) {
  const epoch = Math.floor(t / perEpoch);
  const shard = shardIndices(cfg.n, c.rank, c.size, { seed: cfg.seed, epoch });
  const rows = shard.subarray((t % perEpoch) * cfg.batch, ((t % perEpoch) + 1) * cfg.batch);
  const b = batchInputs(problem, rows, () => rng.next());
  const x = Tensor.fromData(f32(b.x), [rows.length, cfg.d]);
  const y = Tensor.fromData(f32(b.y), [rows.length]);
  const before = await rank.params();
  const [w, bias] = [Tensor.fromData(before[0]!, [cfg.d]), Tensor.fromData(before[1]!, [])];
  const loss = x
    .matmul(w.reshape([cfg.d, 1]))
    .reshape([rows.length])
    .add(bias)
    .sub(y)
    .pow(2)
    .mean();
  const m = cfg.statsMomentum;
  const grads = materialize(grad(loss, [w, bias])).map((g) => g.data());
  const [moving] = materialize([
    Tensor.fromData(stats[0]!, [cfg.d])
      .mul(m)
      .add(x.mean([0]).mul(1 - m)),
  ]);
  const r = await rank.step(grads, [moving!.data()]);
  stats = r.stats;
  log.push({
    step: t,
    before: list(before),
    grad: list(grads),
    after: list(await rank.params()),
    stats: list(stats),
    synced: r.synced,
  });
}
const consensus = await rank.consensus(stats);
const output: FrontendWorkerOutput = {
  engine: rank.engine,
  rank: c.rank,
  size: c.size,
  transport: c.transport,
  resumedFrom: null,
  log,
  final: log.at(-1)!.after,
  consensus: list(consensus.params),
  stats: list(consensus.nonTrainable),
};
writeFileSync(join(cfg.out, `rank-${c.rank}.json`), JSON.stringify(output));
await rank.close();

async function openRank(frontend: Frontend): Promise<Rank> {
  if (frontend === 'onnx') {
    const { OnnxBackend } = await import('../../../../adapters/onnx/src/index.ts');
    const { OnnxZooKeeperRank } = await import('../onnx/zookeeper-onnx.ts');
    const zk = new OnnxZooKeeperRank(cfg.optimizer, c, specs);
    const backend = new OnnxBackend();
    let params: TypedArray[] = [];
    let state!: OnnxOptimizerState;
    return {
      engine: `onnxruntime ${zk.proposal.program.name}`,
      compute: async (ts) => realize(ts, backend),
      async start(p, s) {
        const r = zk.start(p, s);
        ({ params, state } = r);
        return r.nonTrainable;
      },
      params: async () => params,
      async step(g, s) {
        const r = zk.step(params, g, state, s);
        ({ params, state } = r);
        return { stats: r.nonTrainable, synced: r.synced };
      },
      consensus: async (s) => zk.consensus(params, s),
      async close() {
        zk.release();
        backend.dispose();
      },
    };
  }
  if (frontend === 'torch') {
    const { realizeAsync, TorchBackend, TorchWorker } = await import(
      '../../../../adapters/torch/src/index.ts'
    );
    const { TorchZooKeeperRank } = await import('../torch/zookeeper-torch.ts');
    const worker = new TorchWorker({ timeoutMs: 60_000 });
    const zk = await TorchZooKeeperRank.create(worker, cfg.optimizer, c, specs);
    const backend = new TorchBackend(worker);
    return {
      engine: `torch ${(await worker.info()).torch}`,
      compute: (ts) => realizeAsync(ts, backend),
      start: (p, s) => zk.start(p, s),
      params: () => zk.values(),
      async step(g, s) {
        const r = await zk.step(g, s);
        return { stats: r.nonTrainable, synced: r.synced };
      },
      consensus: (s) => zk.consensus(s),
      async close() {
        await zk.dispose();
        await worker.close();
      },
    };
  }
  // The reference frontend, on float32 tensors: what the other two must agree with.
  const zk = zookeeperRank(cfg.optimizer, c);
  const tensors = (v: readonly TypedArray[], like: readonly { shape: number[] }[]) =>
    v.map((d, i) => Tensor.fromData(d, like[i]!.shape));
  const data = (ts: readonly Tensor[]) => materialize(ts).map((t) => t.data());
  let params: Tensor[] = [];
  let state!: OptimizerState;
  return {
    engine: 'reference',
    compute: async (ts) => realize(ts),
    async start(p, s) {
      const r = zk.start(tensors(p, specs), tensors(s, [{ shape: [cfg.d] }]));
      ({ params, state } = r);
      return data(r.nonTrainable);
    },
    params: async () => data(params),
    async step(g, s) {
      const r = zk.step(params, tensors(g, specs), state, tensors(s, [{ shape: [cfg.d] }]));
      params = materialize(r.params);
      state = r.state;
      return { stats: data(r.nonTrainable), synced: r.synced };
    },
    async consensus(s) {
      const r = zk.consensus(params, tensors(s, [{ shape: [cfg.d] }]));
      return { params: data(r.params), nonTrainable: data(r.nonTrainable) };
    },
    close: async () => undefined,
  };
}
