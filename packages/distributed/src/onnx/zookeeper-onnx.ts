import {
  OnnxOptimizer,
  type OnnxOptimizerState,
  type OnnxRunOptions,
  type TensorSpec,
} from '../../../../adapters/onnx/src/index.ts';
import {
  type Collective,
  proposer,
  type TypedArray,
  type ZooKeeperConfig,
  zookeeperConfig,
} from '../core.ts';
import { fusedBroadcastBuffers } from '../fused-buffers.ts';
import { consensusBuffers, syncProposals } from '../zookeeper-host.ts';

export interface OnnxRankStep {
  readonly params: TypedArray[];
  /** Non-trainable state (batch-norm moving statistics): the rank mean after a sync step. */
  readonly nonTrainable: TypedArray[];
  readonly state: OnnxOptimizerState;
  /** Whether this step communicated (a sync step). */
  readonly synced: boolean;
}

/**
 * ZooKeeper on one rank of a real world (/work/shared/ZOOKEEPER.md) with the proposal on
 * onnxruntime: x̃_k = one `session.run` of the proposal optimizer (SGD/heavy-ball, or `base`)
 * compiled to an ONNX graph for this rank's params; then, at a sync step, ONE fused
 * allreduce-mean of proposals and non-trainable state and core's blend (zookeeper-host.ts) —
 * the same phases and API shape as the reference frontend's zookeeperRank, on host arrays.
 *
 * Synchronous like the collective: it runs onnxruntime's native binding (nativeAvailable()).
 */
export class OnnxZooKeeperRank {
  readonly config: ZooKeeperConfig;
  /** The compiled proposal step (its state stays local to this rank). */
  readonly proposal: OnnxOptimizer;

  constructor(
    config: unknown,
    readonly collective: Collective,
    readonly params: readonly TensorSpec[],
    options: OnnxRunOptions = {},
  ) {
    this.config = zookeeperConfig(config);
    this.proposal = new OnnxOptimizer(proposer(this.config), params, options);
  }

  /**
   * Call once on every rank before the first step: rank 0's params and non-trainable state (so
   * all replicas start equal, one broadcast) and a fresh local optimizer state.
   */
  start(
    params: readonly TypedArray[],
    nonTrainable: readonly TypedArray[] = [],
  ): Omit<OnnxRankStep, 'synced'> {
    const all = fusedBroadcastBuffers(this.collective, [...params, ...nonTrainable], 0);
    const root = all.slice(0, params.length);
    return { params: root, nonTrainable: all.slice(params.length), state: this.proposal.init(root) };
  }

  /** One step with this rank's gradients. Every rank must call it the same number of times. */
  step(
    params: readonly TypedArray[],
    grads: readonly TypedArray[],
    state: OnnxOptimizerState,
    nonTrainable: readonly TypedArray[] = [],
  ): OnnxRankStep {
    const proposed = this.proposal.step(params, grads, state);
    const synced = syncProposals(this.config, this.collective, state.step, proposed.params, nonTrainable);
    return { ...synced, state: proposed.state };
  }

  /** x̄ (and the mean non-trainable state): what evaluation and checkpoints use. A collective call. */
  consensus(
    params: readonly TypedArray[],
    nonTrainable: readonly TypedArray[] = [],
  ): { params: TypedArray[]; nonTrainable: TypedArray[] } {
    return consensusBuffers(this.collective, params, nonTrainable);
  }

  learningRate(step: number): number {
    return this.proposal.optimizer.learningRate(step);
  }

  release(): void {
    this.proposal.release();
  }
}
