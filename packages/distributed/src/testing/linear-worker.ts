/**
 * A training script run by the tests on every transport (`launch(...)` starts it on each rank):
 * ZooKeeper on the least-squares problem, float64 so the tests' closed-form replay agrees to
 * ~1e-15, with a moving mean of the inputs as non-trainable state, checkpoints, and injected
 * faults. Writes out/rank-<r>.json. Config: a JSON file named by argv[2] (LinearWorkerConfig).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint.ts';
import { connect } from '../connect.ts';
import { grad, materialize, type OptimizerState, Tensor } from '../core.ts';
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

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LinearWorkerConfig;
const c = connect(cfg.timeoutMs === undefined ? {} : { timeoutMs: cfg.timeoutMs });
const problem = linearProblem(cfg.n, cfg.d, cfg.seed);
const zk = zookeeperRank(cfg.optimizer, c);
const values = (ts: readonly Tensor[]): number[] => ts.flatMap((t) => Array.from(t.data()));

const own = rankInit(cfg.d, c.rank);
let { params, nonTrainable, state } = zk.start(
  [Tensor.fromData(Float64Array.from(own.w), [cfg.d], 'float64'), Tensor.fromData([own.b], [], 'float64')],
  [Tensor.zeros([cfg.d], 'float64')],
);
let rng = createRng(7 + c.rank);
let position = { epoch: 0, batch: 0 };
let resumedFrom: number | null = null;
if (cfg.checkpoint) {
  const ck = loadCheckpoint(cfg.checkpoint.dir, c, { params, nonTrainable, optimizer: state });
  if (ck) {
    params = [...ck.params];
    nonTrainable = [...ck.nonTrainable];
    state = ck.optimizer;
    rng = createRng(0, ck.rng);
    position = { ...ck.data };
    resumedFrom = ck.step;
  }
}

const perEpoch = Math.floor(Math.floor(cfg.n / c.size) / cfg.batch);
const log: StepLog[] = [];
for (let t = state.step; t < cfg.steps; t++) {
  const shard = shardIndices(cfg.n, c.rank, c.size, { seed: cfg.seed, epoch: position.epoch });
  const rows = shard.subarray(position.batch * cfg.batch, (position.batch + 1) * cfg.batch);
  const b = batchInputs(problem, rows, () => rng.next());
  const x = Tensor.fromData(b.x, [rows.length, cfg.d], 'float64');
  const y = Tensor.fromData(b.y, [rows.length], 'float64');
  const [w, bias] = params as [Tensor, Tensor];
  const loss = x
    .matmul(w.reshape([cfg.d, 1]))
    .reshape([rows.length])
    .add(bias)
    .sub(y)
    .pow(2)
    .mean();
  const grads = materialize(grad(loss, params));
  if (cfg.fault && cfg.fault.rank === c.rank && cfg.fault.step === t) injectFault(cfg.fault.how);
  const m = cfg.statsMomentum;
  const stats = nonTrainable[0]!.mul(m).add(x.mean([0]).mul(1 - m));
  const r = zk.step(params, grads, state as OptimizerState, [stats]);
  const done = materialize([...r.params, ...r.nonTrainable]);
  log.push({
    step: t,
    before: values(params),
    grad: values(grads),
    after: values(done.slice(0, 2)),
    stats: values(done.slice(2)),
    synced: r.synced,
  });
  params = done.slice(0, 2);
  nonTrainable = done.slice(2);
  state = r.state;
  position =
    position.batch + 1 < perEpoch
      ? { epoch: position.epoch, batch: position.batch + 1 }
      : { epoch: position.epoch + 1, batch: 0 };
  if (cfg.checkpoint && (t + 1) % cfg.checkpoint.every === 0) {
    const consensus = zk.consensus(params, nonTrainable);
    saveCheckpoint(
      cfg.checkpoint.dir,
      c,
      { step: t + 1, params, nonTrainable, optimizer: state, rng: rng.state(), data: position },
      { consensus },
    );
    console.log(`checkpoint ${t + 1}`);
  }
  if (cfg.stepDelayMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, cfg.stepDelayMs);
}

const consensus = zk.consensus(params, nonTrainable);
const output: WorkerOutput = {
  rank: c.rank,
  size: c.size,
  transport: c.transport,
  resumedFrom,
  log,
  final: values(params),
  consensus: values(consensus.params),
  stats: values(consensus.nonTrainable),
};
writeFileSync(join(cfg.out, `rank-${c.rank}.json`), JSON.stringify(output));

function injectFault(how: 'exit' | 'kill' | 'hang' | 'throw'): void {
  console.error(`injecting fault '${how}' on rank ${c.rank}`);
  if (how === 'exit') process.exit(137);
  if (how === 'kill') process.kill(process.pid, 'SIGKILL');
  if (how === 'throw') throw new Error(`injected failure on rank ${c.rank}`);
  const until = Date.now() + 3_600_000;
  while (Date.now() < until) {
    // stuck: alive, never reaching the next collective
  }
}
