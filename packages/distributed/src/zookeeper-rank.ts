import {
  blend,
  type Collective,
  type FloatBuffer,
  fail,
  isSyncStep,
  type OptimizerState,
  proposer,
  realize,
  Tensor,
  type TypedArray,
  type ZooKeeperConfig,
  zookeeperConfig,
} from './core.ts';
import { fusedBroadcastBuffers, fusedMeanBuffers } from './fused-buffers.ts';

export interface RankStep {
  readonly params: Tensor[];
  /** Non-trainable state (batch-norm moving statistics): the rank mean after a sync step. */
  readonly nonTrainable: Tensor[];
  readonly state: OptimizerState;
  /** Whether this step communicated (a sync step). */
  readonly synced: boolean;
}

/**
 * ZooKeeper on one rank of a real world (/work/shared/ZOOKEEPER.md), over any Collective. It
 * runs core's phases (propose → isSyncStep → allreduce-mean → blend) and adds what a training
 * run needs around them: rank 0's initial weights on every rank, non-trainable state averaged
 * in the same fused allreduce as the params, and the consensus for evaluation and checkpoints.
 */
export interface ZooKeeperRank {
  readonly config: ZooKeeperConfig;
  readonly collective: Collective;
  /**
   * Call once on every rank before the first step: returns rank 0's params and non-trainable
   * state (so all replicas start equal) and a fresh local optimizer state.
   */
  start(params: readonly Tensor[], nonTrainable?: readonly Tensor[]): Omit<RankStep, 'synced'>;
  /** One step with this rank's gradients. Every rank must call it the same number of times. */
  step(
    params: readonly Tensor[],
    grads: readonly Tensor[],
    state: OptimizerState,
    nonTrainable?: readonly Tensor[],
  ): RankStep;
  /** x̄ (and the mean non-trainable state): what evaluation and checkpoints use. A collective call. */
  consensus(
    params: readonly Tensor[],
    nonTrainable?: readonly Tensor[],
  ): { params: Tensor[]; nonTrainable: Tensor[] };
  learningRate(step: number): number;
}

export function zookeeperRank(config: unknown, collective: Collective): ZooKeeperRank {
  const zk = zookeeperConfig(config);
  const local = proposer(zk);
  return {
    config: zk,
    collective,
    start(params, nonTrainable = []) {
      const both = [...params, ...nonTrainable];
      const all = asTensors(fusedBroadcastBuffers(collective, floatValues(both), 0), both);
      return {
        params: all.slice(0, params.length),
        nonTrainable: all.slice(params.length),
        state: local.init(params),
      };
    },
    step(params, grads, state, nonTrainable = []) {
      const t = state.step;
      const proposed = local.step(params, grads, { step: t, inner: state.inner });
      const next = { step: t + 1, inner: proposed.state.inner };
      if (!isSyncStep(t, zk.syncEvery)) {
        return { params: proposed.params, nonTrainable: [...nonTrainable], state: next, synced: false };
      }
      const mean = fusedMean(collective, [...proposed.params, ...nonTrainable]);
      return {
        params: blend(proposed.params, mean.slice(0, params.length), zk.beta),
        nonTrainable: mean.slice(params.length),
        state: next,
        synced: true,
      };
    },
    consensus(params, nonTrainable = []) {
      const mean = fusedMean(collective, [...params, ...nonTrainable]);
      return { params: mean.slice(0, params.length), nonTrainable: mean.slice(params.length) };
    },
    learningRate: (step) => local.learningRate(step),
  };
}

/** Realised values of float tensors; integer state fails here, naming the tensor. */
function floatValues(tensors: readonly Tensor[]): TypedArray[] {
  tensors.forEach((t, i) => {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') {
      fail(`tensor ${i} is ${t.dtype}; only float32/float64 state can be averaged`, {
        where: 'zookeeper rank',
        hint: 'keep integer counters out of the averaged state',
      });
    }
  });
  return realize(tensors);
}

const asTensors = (values: readonly FloatBuffer[], like: readonly Tensor[]): Tensor[] =>
  values.map((v, i) => Tensor.fromData(v, like[i]!.shape, like[i]!.dtype));

/** The fused allreduce-mean (fused-buffers.ts), one buffer per dtype present. */
function fusedMean(collective: Collective, tensors: readonly Tensor[]): Tensor[] {
  return asTensors(fusedMeanBuffers(collective, floatValues(tensors)), tensors);
}
