import {
  blend,
  type Collective,
  type FloatBuffer,
  isSyncStep,
  materialize,
  ReferenceBackend,
  Tensor,
  type TypedArray,
  type ZooKeeperConfig,
} from './core.ts';
import { fusedMeanBuffers } from './fused-buffers.ts';

/**
 * ZooKeeper's communicating half (/work/shared/ZOOKEEPER.md, steps 3–4) for frontends whose
 * proposal step ends in host arrays (ONNX, TorchScript): given this rank's proposal x̃_k, at a
 * sync step average the proposals and the non-trainable state in ONE fused allreduce and blend
 * x_k ← x̃_k + β(x̄ − x̃_k) with core's blend on the reference backend, the same float arithmetic
 * as the reference frontend's zookeeperRank. Off a sync step, nothing moves.
 */
export interface HostSync {
  readonly params: TypedArray[];
  readonly nonTrainable: TypedArray[];
  readonly synced: boolean;
}

const reference = new ReferenceBackend();

export function syncProposals(
  zk: ZooKeeperConfig,
  collective: Collective,
  step: number,
  proposals: readonly TypedArray[],
  nonTrainable: readonly TypedArray[] = [],
): HostSync {
  if (!isSyncStep(step, zk.syncEvery)) {
    return { params: [...proposals], nonTrainable: [...nonTrainable], synced: false };
  }
  const mean = fusedMeanBuffers(collective, [...proposals, ...nonTrainable]);
  return {
    params: blendBuffers(proposals, mean.slice(0, proposals.length), zk.beta),
    nonTrainable: mean.slice(proposals.length),
    synced: true,
  };
}

/** x̄ for evaluation and checkpoints: the rank mean of params and non-trainable state. */
export function consensusBuffers(
  collective: Collective,
  params: readonly TypedArray[],
  nonTrainable: readonly TypedArray[] = [],
): { params: FloatBuffer[]; nonTrainable: FloatBuffer[] } {
  const mean = fusedMeanBuffers(collective, [...params, ...nonTrainable]);
  return { params: mean.slice(0, params.length), nonTrainable: mean.slice(params.length) };
}

/** core's blend on flat arrays (shapes do not matter to an elementwise blend). */
export function blendBuffers(
  proposals: readonly TypedArray[],
  mean: readonly TypedArray[],
  beta: number,
): TypedArray[] {
  if (beta === 1) return [...mean];
  if (beta === 0) return [...proposals];
  const flat = (v: TypedArray) =>
    Tensor.fromData(v, [v.length], v instanceof Float64Array ? 'float64' : 'float32');
  return materialize(blend(proposals.map(flat), mean.map(flat), beta), reference).map((t) => t.data());
}
