import { ops, Tensor } from '../core.ts';
import { createRng } from '../rng.ts';

/**
 * The MLP training workload of the `zookeeper.scaling.*` benchmark and the reference-backend
 * example: Gaussian blobs (one per class) in `features` dimensions, classified by a one-hidden-
 * layer ReLU network with softmax cross-entropy.
 */
export interface Blobs {
  readonly n: number;
  readonly features: number;
  readonly classes: number;
  /** Row-major [n, features]. */
  readonly x: Float32Array;
  readonly y: Int32Array;
}

export function blobs(n: number, features: number, classes: number, seed: number): Blobs {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const centres = Array.from({ length: classes }, () => Array.from({ length: features }, () => 2 * normal()));
  const x = new Float32Array(n * features);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let j = 0; j < features; j++) x[i * features + j] = centres[c]![j]! + normal();
  }
  return { n, features, classes, x, y };
}

/** He-normal weights, zero biases: [w1, b1, w2, b2]. */
export function initMlp(features: number, hidden: number, classes: number, seed: number): Tensor[] {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const he = (fanIn: number, fanOut: number) =>
    Tensor.fromData(
      Float32Array.from({ length: fanIn * fanOut }, () => normal() * Math.sqrt(2 / fanIn)),
      [fanIn, fanOut],
    );
  return [he(features, hidden), Tensor.zeros([hidden]), he(hidden, classes), Tensor.zeros([classes])];
}

/** logits = relu(x·w1 + b1)·w2 + b2 */
export function mlpLogits(params: readonly Tensor[], x: Tensor): Tensor {
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  return ops.relu(x.matmul(w1).add(b1)).matmul(w2).add(b2);
}

/** Mean softmax cross-entropy of integer labels. */
export function mlpLoss(params: readonly Tensor[], x: Tensor, y: Tensor, classes: number): Tensor {
  return ops
    .oneHot(y, classes)
    .mul(ops.logSoftmax(mlpLogits(params, x)))
    .sum([1])
    .mean()
    .neg();
}

/** The rows `rows` of the data set as tensors. */
export function batchOf(data: Blobs, rows: ArrayLike<number>): { x: Tensor; y: Tensor } {
  const x = new Float32Array(rows.length * data.features);
  const y = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    x.set(data.x.subarray(r * data.features, (r + 1) * data.features), i * data.features);
    y[i] = data.y[r]!;
  }
  return {
    x: Tensor.fromData(x, [rows.length, data.features]),
    y: Tensor.fromData(y, [rows.length], 'int32'),
  };
}

/** Fraction of `data` that `params` classify correctly. */
export function accuracy(params: readonly Tensor[], data: Blobs): number {
  const { x, y } = batchOf(
    data,
    Int32Array.from({ length: data.n }, (_, i) => i),
  );
  return mlpLogits(params, x).argMax(-1).eq(y).cast('float32').mean().item();
}
