import * as tf from '@tensorflow/tfjs-core';
import { ReptileOptimizer } from '../../../../adapters/tfjs/src/optimizer.ts';
import { specFromOptimizer } from '../../../../adapters/tfjs/src/spec.ts';
import { connect } from '../connect.ts';
import {
  blend,
  type Collective,
  fail,
  isSyncStep,
  materialize,
  Tensor,
  type ZooKeeperConfig,
} from '../core.ts';

/** A model weight as tfjs-layers exposes it (LayerVariable). */
export interface ModelWeight {
  readonly name: string;
  readonly dtype: string;
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/** What the optimizer uses of a model (a tfjs-layers LayersModel has all of it). */
export interface ModelLike {
  readonly weights: readonly ModelWeight[];
  readonly nonTrainableWeights: readonly ModelWeight[];
}

export interface ZooKeeperTfjsOptions {
  /**
   * The model being trained. At construction its weights become rank 0's on every rank (so
   * replicas start equal), and its non-trainable weights (batch-norm moving statistics) are
   * averaged in each sync step's allreduce.
   */
  readonly model?: ModelLike;
  /** Default: connect(), the world this process or thread was launched into. */
  readonly collective?: Collective;
}

/**
 * ZooKeeper as a tf.Optimizer for `model.compile({optimizer})`: the tfjs adapter's Reptile
 * optimizer forms each rank's local proposal x̃_k; at a sync step this class averages the
 * proposals (and the model's non-trainable weights) across ranks in ONE allreduce and blends.
 *
 * tfjs calls applyGradients synchronously inside fit(), so the allreduce blocks in place: every
 * transport's collective is synchronous (Atomics.wait in a worker thread, a blocking MPI call in
 * an MPI process), and fit's async batch loop simply resumes after it. No callback is needed,
 * which is what keeps the change to a training script at the optimizer line.
 */
export class ZooKeeperTfjsOptimizer extends ReptileOptimizer {
  // The base declares its name as a literal type; this class registers under its own name.
  static override readonly className = 'ZooKeeperTfjsOptimizer' as 'ReptileOptimizer';
  /** The world the replicas are averaged over. */
  readonly world: Collective;
  readonly zookeeper: ZooKeeperConfig;
  private readonly model: ModelLike | undefined;

  constructor(config: unknown, options: ZooKeeperTfjsOptions = {}) {
    // No collective for the parent: it then runs ZooKeeper's local proposal only, and the
    // consensus below (which also carries the non-trainable weights) is this class's.
    super(specFromOptimizer(config));
    if (!this.spec.zookeeper) {
      fail(`expected a ZooKeeper config, got '${this.spec.config.name}'`, {
        where: 'zookeeper (tfjs)',
        hint: "use {name: 'zookeeper', ...} or the adapter's reptileOptimizer for other optimizers",
      });
    }
    this.zookeeper = this.spec.zookeeper;
    this.world = options.collective ?? connect();
    this.model = options.model;
    if (this.model && this.world.size > 1) broadcastWeights(this.model.weights, this.world);
  }

  override applyGradients(
    variableGradients: tf.NamedTensorMap | readonly { name: string; tensor: tf.Tensor }[],
  ): void {
    const t = this.iterations;
    super.applyGradients(variableGradients as tf.NamedTensorMap);
    // A step skipped by a recipe's non-finite guard did not happen (the same on every rank
    // only if the gradients were non-finite on every rank: ranks would otherwise disagree on t).
    if (this.iterations === t || this.world.size === 1 || !isSyncStep(t, this.zookeeper.syncEvery)) return;
    const names = Array.isArray(variableGradients)
      ? (variableGradients as readonly { name: string }[]).map((e) => e.name)
      : Object.keys(variableGradients).filter((k) => (variableGradients as tf.NamedTensorMap)[k] != null);
    const variables = names.map((n) => tf.engine().registeredVariables[n]!);
    const stats = this.model?.nonTrainableWeights ?? [];
    const proposals = variables.map((v) => v.dataSync() as Float32Array);
    const statValues = stats.map((w) => readFloat32(w));
    const mean = splitLike(this.world.allreduceMean(concat([...proposals, ...statValues])), [
      ...proposals,
      ...statValues,
    ]);
    const beta = this.zookeeper.beta;
    variables.forEach((v, i) => {
      const blended = beta === 1 ? mean[i]! : blendFloat32(proposals[i]!, mean[i]!, beta);
      const value = tf.tensor(blended, v.shape, 'float32');
      v.assign(value);
      value.dispose();
    });
    stats.forEach((w, i) => {
      writeFloat32(w, mean[variables.length + i]!);
    });
  }

  /**
   * Sets every weight of the model to its mean over ranks: the consensus x̄, for evaluation
   * and saving when replicas differ (β < 1 or H > 1). A collective call: every rank calls it.
   */
  syncModel(model: ModelLike | undefined = this.model): void {
    if (!model)
      fail('no model to synchronise', {
        where: 'syncModel',
        hint: 'pass the model, or give it to the optimizer',
      });
    if (this.world.size === 1) return;
    const values = model.weights.map(readFloat32);
    const mean = splitLike(meanOf(this.world, concat(values)), values);
    model.weights.forEach((w, i) => {
      writeFloat32(w, mean[i]!);
    });
  }
}

tf.serialization.registerClass(ZooKeeperTfjsOptimizer);

/**
 * `model.compile({optimizer: zookeeper({lr: 0.1}, {model})})`: the one line that makes a tfjs
 * training script distributed. `config` is ZooKeeper's (name 'zookeeper' may be omitted).
 */
export function zookeeper(
  config: Record<string, unknown> = {},
  options: ZooKeeperTfjsOptions = {},
): ZooKeeperTfjsOptimizer {
  return new ZooKeeperTfjsOptimizer({ name: 'zookeeper', ...config }, options);
}

/** This rank's rows of a data tensor (equal, non-overlapping blocks; the n mod K last rows are dropped). */
export function shardRows<T extends tf.Tensor>(data: T, collective: Collective = connect()): T {
  const n = data.shape[0]!;
  const per = Math.floor(n / collective.size);
  if (per < 1) fail(`${n} rows cannot be split over ${collective.size} ranks`, { where: 'shardRows' });
  return tf.slice(data, collective.rank * per, per) as T;
}

/** Rank 0's weights on every rank. */
function broadcastWeights(weights: readonly ModelWeight[], collective: Collective): void {
  const values = weights.map(readFloat32);
  const root = splitLike(collective.broadcast(concat(values), 0), values);
  weights.forEach((w, i) => {
    writeFloat32(w, root[i]!);
  });
}

function readFloat32(w: ModelWeight): Float32Array {
  if (w.dtype !== 'float32')
    fail(`weight '${w.name}' is ${w.dtype}; only float32 weights are averaged`, {
      where: 'zookeeper (tfjs)',
    });
  return w.read().dataSync() as Float32Array;
}

function writeFloat32(w: ModelWeight, values: Float32Array): void {
  const current = w.read();
  const value = tf.tensor(values, current.shape, 'float32');
  w.write(value);
  value.dispose();
}

/** The rank mean of a buffer this module owns: in place where the transport can (no allocation). */
function meanOf(world: Collective, buffer: Float32Array): Float32Array | Float64Array {
  const inPlace = (world as Collective & { allreduceMeanInPlace?(b: Float32Array): void })
    .allreduceMeanInPlace;
  if (!inPlace) return world.allreduceMean(buffer);
  inPlace.call(world, buffer);
  return buffer;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function splitLike(flat: Float32Array | Float64Array, like: readonly Float32Array[]): Float32Array[] {
  let offset = 0;
  return like.map((p) => {
    const part = Float32Array.from(flat.subarray(offset, offset + p.length));
    offset += p.length;
    return part;
  });
}

/** x̃ + β(x̄ − x̃) with core's blend (the same float32 arithmetic as the reference frontend). */
function blendFloat32(proposal: Float32Array, mean: Float32Array, beta: number): Float32Array {
  const [out] = materialize(
    blend([Tensor.fromData(proposal, [proposal.length])], [Tensor.fromData(mean, [mean.length])], beta),
  );
  return out!.data() as Float32Array;
}
