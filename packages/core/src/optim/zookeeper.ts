import { asObject } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { realize, Tensor } from '../tensor/tensor.ts';
import { type Collective, type FloatBuffer, singleRankCollective } from './collective.ts';
import { checkParams, checkStepInputs, type Optimizer } from './optimizer.ts';
import { plainOptimizer } from './registry.ts';
import { parseZooKeeper, proposalConfig, type ZooKeeperConfig } from './zookeeper-config.ts';

/*
 * ZooKeeper (/work/shared/ZOOKEEPER.md) as phases, so that one code path serves a real rank (the
 * consensus is a collective call) and the in-process simulation (the consensus is a mean over
 * simulated workers): propose → isSyncStep → consensus → blend.
 */

/** Validates a ZooKeeper config (JSON or an already normalised one). */
export function zookeeperConfig(config: unknown, where = 'optimizer'): ZooKeeperConfig {
  const obj = asObject(config, where);
  if (obj.name !== 'zookeeper') {
    fail(`expected name 'zookeeper', got ${JSON.stringify(obj.name)}`, { where: `${where}.name` });
  }
  return parseZooKeeper(obj, where);
}

/** Phase 1: the local proposal x̃_k, formed by SGD/heavy-ball or the `base` optimizer (state stays local). */
export function proposer(config: ZooKeeperConfig): Optimizer {
  return plainOptimizer(proposalConfig(config));
}

/** Phase 2: step t (0-based) communicates when (t + 1) mod H == 0. */
export function isSyncStep(t: number, syncEvery: number): boolean {
  return (t + 1) % syncEvery === 0;
}

/**
 * Phase 3 input: all tensors fused into ONE flat buffer (tensor fusion: one collective call per
 * sync step, not one per tensor). float64 if any tensor is float64, else float32.
 */
export function flatten(tensors: readonly Tensor[]): FloatBuffer {
  const values = realize(tensors);
  const total = values.reduce((n, v) => n + v.length, 0);
  const out = tensors.some((t) => t.dtype === 'float64') ? new Float64Array(total) : new Float32Array(total);
  let offset = 0;
  for (const v of values) {
    out.set(v, offset);
    offset += v.length;
  }
  return out;
}

/** Phase 3 output: splits a flat buffer back into tensors shaped and typed like `like`. */
export function unflatten(buffer: FloatBuffer, like: readonly Tensor[]): Tensor[] {
  const total = like.reduce((n, t) => n + t.size, 0);
  if (buffer.length !== total) {
    fail(`buffer has ${buffer.length} values, params need ${total}`, {
      where: 'zookeeper consensus',
      hint: 'every rank must pass the same params in the same order',
    });
  }
  let offset = 0;
  return like.map((t) => {
    const part = buffer.subarray(offset, offset + t.size);
    offset += t.size;
    return Tensor.fromData(part.slice(), t.shape, t.dtype);
  });
}

/**
 * Phase 4: x_k ← (1 − β)·x̃_k + β·x̄, evaluated as x̃_k + β·(x̄ − x̃_k) so that K = 1 (x̄ = x̃)
 * returns x̃ exactly for every β, and as x̄ itself when β = 1 so replicas stay bit-identical.
 */
export function blend(proposals: readonly Tensor[], mean: readonly Tensor[], beta: number): Tensor[] {
  if (beta === 1) return [...mean];
  if (beta === 0) return [...proposals];
  return proposals.map((x, i) => x.add(mean[i]!.sub(x).mul(beta)));
}

/** One collective call; checks the transport kept the buffer's type and length. */
export function allreduceMeanTensors(collective: Collective, tensors: readonly Tensor[]): Tensor[] {
  const flat = flatten(tensors);
  const mean = collective.allreduceMean(flat);
  if (mean.constructor !== flat.constructor) {
    fail('the collective changed the buffer type', {
      where: 'allreduceMean',
      hint: 'return the type passed in',
    });
  }
  return unflatten(mean, tensors);
}

/**
 * Rank 0's initial weights on every rank (run once before the first step so replicas start
 * equal). Also used to restore a checkpoint saved by rank 0.
 */
export function broadcastParams(collective: Collective, params: readonly Tensor[], root = 0): Tensor[] {
  checkParams(params, 'broadcastParams');
  return unflatten(collective.broadcast(flatten(params), root), params);
}

/**
 * The consensus x̄ for evaluation and checkpoints. Also averages non-trainable state (batch-norm
 * moving statistics) at sync steps: pass those tensors here when `isSyncStep` holds.
 */
export function consensusParams(collective: Collective, tensors: readonly Tensor[]): Tensor[] {
  checkParams(tensors, 'consensusParams');
  return allreduceMeanTensors(collective, tensors);
}

/** ZooKeeper for one rank; with the default single-rank collective it is exactly its proposal optimizer. */
export function zookeeperOptimizer(
  config: unknown,
  collective: Collective = singleRankCollective(),
): Optimizer {
  const zk = zookeeperConfig(config);
  const local = proposer(zk);
  const where = "optimizer 'zookeeper'";
  return {
    config: zk,
    init: (params) => {
      checkParams(params, where);
      return { step: 0, inner: local.init(params).inner };
    },
    step(params, grads, state) {
      checkStepInputs(params, grads, state, where);
      const t = state.step;
      const proposed = local.step(params, grads, { step: t, inner: state.inner });
      const next = { step: t + 1, inner: proposed.state.inner };
      if (!isSyncStep(t, zk.syncEvery)) return { params: proposed.params, state: next };
      const mean = allreduceMeanTensors(collective, proposed.params);
      return { params: blend(proposed.params, mean, zk.beta), state: next };
    },
    learningRate: (step) => local.learningRate(step),
  };
}
