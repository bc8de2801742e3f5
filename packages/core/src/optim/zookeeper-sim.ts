import { checkNumber } from '../config/validate.ts';
import { fail } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { meanOfBuffers } from './collective.ts';
import { checkParams, checkStepCount, checkStepInputs, type OptimizerState } from './optimizer.ts';
import { blend, flatten, isSyncStep, proposer, unflatten, zookeeperConfig } from './zookeeper.ts';
import type { ZooKeeperConfig } from './zookeeper-config.ts';

export interface ZooKeeperSimState {
  /** Updates applied so far (the same on every worker). */
  readonly step: number;
  /** Each worker's local proposal state (momentum buffers or the base optimizer's state). */
  readonly workers: readonly OptimizerState[];
}

export interface ZooKeeperSimulation {
  readonly config: ZooKeeperConfig;
  readonly workers: number;
  init(params: readonly Tensor[]): ZooKeeperSimState;
  /** Pure: one ZooKeeper step of every worker, replicas[k] with its own gradients gradsPerWorker[k]. */
  step(
    replicas: readonly (readonly Tensor[])[],
    gradsPerWorker: readonly (readonly Tensor[])[],
    state: ZooKeeperSimState,
  ): { replicas: Tensor[][]; state: ZooKeeperSimState };
  /** x̄, the mean of the replicas (what evaluation and checkpoints use). */
  consensus(replicas: readonly (readonly Tensor[])[]): Tensor[];
}

/**
 * K workers in one process, through the same phases as a real rank; only the consensus differs
 * (a float64-accumulated mean over the workers' fused buffers instead of a collective call).
 */
export function simulateZooKeeper(config: unknown, workers: number): ZooKeeperSimulation {
  checkNumber(workers, 'simulateZooKeeper workers', { min: 1, integer: true });
  const zk = zookeeperConfig(config);
  const local = proposer(zk);
  const where = 'simulateZooKeeper';
  const checkWorkers = (list: readonly unknown[] | undefined, what: string): void => {
    if (!Array.isArray(list) || list.length !== workers) {
      fail(`expected ${what} for ${workers} workers, got ${Array.isArray(list) ? list.length : 'none'}`, {
        where,
        hint: `pass one entry per worker`,
      });
    }
  };
  const consensus = (replicas: readonly (readonly Tensor[])[]): Tensor[] => {
    checkWorkers(replicas, 'replicas');
    for (const r of replicas) checkParams(r, `${where} replica`);
    return unflatten(meanOfBuffers(replicas.map(flatten)), replicas[0]!);
  };
  return {
    config: zk,
    workers,
    init(params) {
      checkParams(params, where);
      const inner = local.init(params).inner;
      return { step: 0, workers: Array.from({ length: workers }, () => ({ step: 0, inner })) };
    },
    step(replicas, gradsPerWorker, state) {
      checkWorkers(replicas, 'replicas');
      checkWorkers(gradsPerWorker, 'gradients');
      checkStepCount(state?.step, `${where} state.step`);
      checkWorkers(state.workers, 'worker states');
      replicas.forEach((r, k) => {
        checkStepInputs(r, gradsPerWorker[k]!, state.workers[k]!, `${where} worker ${k}`);
      });
      const t = state.step;
      const proposed = replicas.map((r, k) => local.step(r, gradsPerWorker[k]!, state.workers[k]!));
      const next: ZooKeeperSimState = { step: t + 1, workers: proposed.map((p) => p.state) };
      const proposals = proposed.map((p) => p.params);
      if (!isSyncStep(t, zk.syncEvery)) return { replicas: proposals, state: next };
      const mean = consensus(proposals);
      return { replicas: proposals.map((x) => blend(x, mean, zk.beta)), state: next };
    },
    consensus,
  };
}
