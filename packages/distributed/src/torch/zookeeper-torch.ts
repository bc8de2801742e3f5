import {
  type TensorSpec,
  TorchOptimizer,
  type TorchOptimizerOptions,
  type TorchWorker,
} from '../../../../adapters/torch/src/index.ts';
import {
  type Collective,
  isSyncStep,
  proposer,
  type TypedArray,
  type ZooKeeperConfig,
  zookeeperConfig,
} from '../core.ts';
import { fusedBroadcastBuffers } from '../fused-buffers.ts';
import { consensusBuffers, syncProposals } from '../zookeeper-host.ts';

/**
 * ZooKeeper on one rank of a real world (/work/shared/ZOOKEEPER.md) with the proposal in
 * PyTorch: this rank's params and proposal state live in its TorchScript worker, and each step
 * runs the exported proposal step (SGD/heavy-ball, or `base`) there once for all params. At a
 * sync step the proposals come back to the host for ONE fused allreduce-mean with the
 * non-trainable state and core's blend (zookeeper-host.ts, shared with the ONNX rank), and the
 * blended params are written back into the worker.
 *
 * The worker bridge is async, the collective synchronous: each collective call happens after
 * the worker's reply has been awaited, so a rank blocked in it has nothing pending.
 */
export class TorchZooKeeperRank {
  private constructor(
    readonly config: ZooKeeperConfig,
    readonly collective: Collective,
    /** The exported proposal step; its params and state are held in the worker. */
    readonly proposal: TorchOptimizer,
  ) {}

  static async create(
    worker: TorchWorker,
    config: unknown,
    collective: Collective,
    params: readonly TensorSpec[],
    options: TorchOptimizerOptions = {},
  ): Promise<TorchZooKeeperRank> {
    const zk = zookeeperConfig(config);
    return new TorchZooKeeperRank(
      zk,
      collective,
      await TorchOptimizer.create(worker, proposer(zk), params, options),
    );
  }

  /**
   * Call once on every rank before the first step: holds rank 0's params in the worker (one
   * broadcast with the non-trainable state, so all replicas start equal), computes a fresh local
   * optimizer state there, and returns rank 0's non-trainable state.
   */
  async start(
    params: readonly TypedArray[],
    nonTrainable: readonly TypedArray[] = [],
  ): Promise<TypedArray[]> {
    const all = fusedBroadcastBuffers(this.collective, [...params, ...nonTrainable], 0);
    await this.proposal.init(all.slice(0, params.length));
    return all.slice(params.length);
  }

  /** Updates applied so far. */
  get stepCount(): number {
    return this.proposal.stepCount;
  }

  /**
   * One step with this rank's gradients (data, or names of tensors held in the worker). Every
   * rank must call it the same number of times. Returns the non-trainable state to carry on
   * with (the rank mean after a sync step).
   */
  async step(
    grads: readonly (TypedArray | { readonly held: string })[],
    nonTrainable: readonly TypedArray[] = [],
  ): Promise<{ nonTrainable: TypedArray[]; synced: boolean }> {
    const t = this.proposal.stepCount;
    await this.proposal.step(grads);
    // One rank: the mean is the rank's own proposal, so skip the round trip to the worker.
    if (this.collective.size === 1) {
      return { nonTrainable: [...nonTrainable], synced: isSyncStep(t, this.config.syncEvery) };
    }
    const proposals = await this.proposal.values();
    const r = syncProposals(this.config, this.collective, t, proposals, nonTrainable);
    if (r.synced && this.config.beta !== 0) await this.hold(r.params);
    return { nonTrainable: r.nonTrainable, synced: r.synced };
  }

  /** This rank's params. */
  values(): Promise<TypedArray[]> {
    return this.proposal.values();
  }

  /** x̄ (and the mean non-trainable state): what evaluation and checkpoints use. A collective call. */
  async consensus(
    nonTrainable: readonly TypedArray[] = [],
  ): Promise<{ params: TypedArray[]; nonTrainable: TypedArray[] }> {
    return consensusBuffers(this.collective, await this.proposal.values(), nonTrainable);
  }

  learningRate(step: number): number {
    return this.proposal.optimizer.learningRate(step);
  }

  dispose(): Promise<void> {
    return this.proposal.dispose();
  }

  private async hold(values: readonly TypedArray[]): Promise<void> {
    const specs = this.proposal.params;
    await this.proposal.worker.put(
      Object.fromEntries(
        specs.map((p, i) => [
          this.proposal.paramName(i),
          { dtype: p.dtype ?? ('float32' as const), shape: p.shape, data: values[i]! },
        ]),
      ),
    );
  }
}
