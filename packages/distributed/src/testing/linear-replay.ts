import { createRng } from '../rng.ts';
import { shardIndices } from '../shard.ts';
import { batchInputs, linearProblem, rankInit } from './linear-problem.ts';

/**
 * The tests' reference: ZooKeeper on the least-squares problem written out by hand with plain
 * float64 arithmetic (closed-form gradients g_w = 2/B·Xᵀr, g_b = 2/B·Σr with r = Xw + b − y),
 * independent of core's optimizer code. Follows /work/shared/ZOOKEEPER.md literally.
 */
export interface ReplayConfig {
  readonly n: number;
  readonly d: number;
  readonly batch: number;
  readonly steps: number;
  readonly seed: number;
  readonly lr: number;
  readonly beta: number;
  readonly syncEvery: number;
  readonly momentum: number;
  readonly statsMomentum: number;
}

export interface ReplayStep {
  /** Per rank: params before the step, the gradient, params after, the non-trainable stats after. */
  readonly before: number[][];
  readonly grad: number[][];
  readonly after: number[][];
  readonly stats: number[][];
  readonly synced: boolean;
}

const mean = (rows: readonly number[][]): number[] =>
  rows[0]!.map((_, i) => rows.reduce((s, r) => s + r[i]!, 0) / rows.length);

export function replayLinear(cfg: ReplayConfig, size: number): ReplayStep[] {
  const problem = linearProblem(cfg.n, cfg.d, cfg.seed);
  const init = rankInit(cfg.d, 0);
  let x = Array.from({ length: size }, () => [...init.w, init.b]);
  let buf = Array.from({ length: size }, () => new Array<number>(cfg.d + 1).fill(0));
  let stats = Array.from({ length: size }, () => new Array<number>(cfg.d).fill(0));
  const rngs = Array.from({ length: size }, (_, k) => createRng(7 + k));
  const perEpoch = Math.floor(Math.floor(cfg.n / size) / cfg.batch);
  const out: ReplayStep[] = [];
  for (let t = 0; t < cfg.steps; t++) {
    const epoch = Math.floor(t / perEpoch);
    const b = t % perEpoch;
    const grads = x.map((p, k) => {
      const shard = shardIndices(cfg.n, k, size, { seed: cfg.seed, epoch });
      const rows = shard.subarray(b * cfg.batch, (b + 1) * cfg.batch);
      const { x: bx, y } = batchInputs(problem, rows, () => rngs[k]!.next());
      const g = new Array<number>(cfg.d + 1).fill(0);
      const colMean = new Array<number>(cfg.d).fill(0);
      for (let i = 0; i < rows.length; i++) {
        let r = p[cfg.d]! - y[i]!;
        for (let j = 0; j < cfg.d; j++) r += bx[i * cfg.d + j]! * p[j]!;
        for (let j = 0; j < cfg.d; j++) {
          g[j]! += (2 / rows.length) * r * bx[i * cfg.d + j]!;
          colMean[j]! += bx[i * cfg.d + j]! / rows.length;
        }
        g[cfg.d]! += (2 / rows.length) * r;
      }
      stats[k] = stats[k]!.map((s, j) => cfg.statsMomentum * s + (1 - cfg.statsMomentum) * colMean[j]!);
      return g;
    });
    buf = buf.map((m, k) => m.map((v, i) => cfg.momentum * v + grads[k]![i]!));
    const proposals = x.map((p, k) => p.map((v, i) => v - cfg.lr * buf[k]![i]!));
    const synced = (t + 1) % cfg.syncEvery === 0;
    const before = x;
    if (synced) {
      const centre = mean(proposals);
      x = proposals.map((p) => p.map((v, i) => (1 - cfg.beta) * v + cfg.beta * centre[i]!));
      const s = mean(stats);
      stats = stats.map(() => [...s]);
    } else {
      x = proposals;
    }
    out.push({ before, grad: grads, after: x, stats: stats.map((s) => [...s]), synced });
  }
  return out;
}
