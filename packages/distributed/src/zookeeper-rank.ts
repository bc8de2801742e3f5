import {
  blend,
  broadcastParams,
  type Collective,
  type FloatBuffer,
  fail,
  isSyncStep,
  type OptimizerState,
  proposer,
  realize,
  type Tensor,
  unflatten,
  type ZooKeeperConfig,
  zookeeperConfig,
} from './core.ts';

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
      const all = byDtype([...params, ...nonTrainable], (group) => broadcastParams(collective, group, 0));
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

/**
 * One allreduce per dtype present (normally one): fusing float32 params into a float64 buffer
 * would round their mean twice and break bit-equality with the in-process simulation.
 */
function fusedMean(collective: Collective, tensors: readonly Tensor[]): Tensor[] {
  return byDtype(tensors, (group) => meanOfGroup(collective, group));
}

/** What some transports offer beyond Collective: reducing in place, in their own shared memory. */
interface InPlaceCollective {
  allreduceMeanInPlace?(buffer: FloatBuffer): void;
  stagingBuffer?(length: number, dtype: 'float32' | 'float64'): FloatBuffer;
  readonly slotBytes?: number;
}

/**
 * The fused allreduce-mean of same-dtype tensors. Where the transport allows, the tensors are
 * flattened straight into its staging memory and reduced in place (no buffer allocated per step,
 * no copy into shared memory); otherwise through Collective.allreduceMean. Same result either way.
 */
function meanOfGroup(collective: Collective, tensors: readonly Tensor[]): Tensor[] {
  const values = realize(tensors);
  const total = values.reduce((n, v) => n + v.length, 0);
  const dtype = tensors[0]!.dtype === 'float64' ? 'float64' : 'float32';
  const bytes = dtype === 'float64' ? 8 : 4;
  const t = collective as Collective & InPlaceCollective;
  let buffer: FloatBuffer =
    t.stagingBuffer && t.allreduceMeanInPlace && total * bytes <= (t.slotBytes ?? 0)
      ? t.stagingBuffer(total, dtype)
      : dtype === 'float64'
        ? new Float64Array(total)
        : new Float32Array(total);
  let offset = 0;
  for (const v of values) {
    buffer.set(v, offset);
    offset += v.length;
  }
  if (t.allreduceMeanInPlace) t.allreduceMeanInPlace(buffer);
  else buffer = collective.allreduceMean(buffer);
  // unflatten copies each tensor out, so the staging memory is free again.
  return unflatten(buffer, tensors);
}

/** Applies `fn` to the tensors of each dtype (in a fixed dtype order) and restores the order. */
function byDtype(tensors: readonly Tensor[], fn: (group: Tensor[]) => Tensor[]): Tensor[] {
  const out: Tensor[] = new Array(tensors.length);
  for (const dtype of ['float32', 'float64'] as const) {
    const index = tensors.flatMap((t, i) => (t.dtype === dtype ? [i] : []));
    if (index.length === 0) continue;
    const result = fn(index.map((i) => tensors[i]!));
    index.forEach((i, k) => {
      out[i] = result[k]!;
    });
  }
  tensors.forEach((t, i) => {
    if (out[i] === undefined) {
      fail(`tensor ${i} is ${t.dtype}; only float32/float64 state can be averaged`, {
        where: 'zookeeper rank',
        hint: 'keep integer counters out of the averaged state',
      });
    }
  });
  return out;
}
