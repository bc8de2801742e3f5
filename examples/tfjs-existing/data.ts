import * as tf from './tfjs.ts';

/** Three Gaussian blobs in 2-D, one-hot labelled, deterministic. */
export function blobs(perClass: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const centers = [
    [2, 0],
    [-1, 1.7],
    [-1, -1.7],
  ];
  const noise = tf.randomNormal([perClass * 3, 2], 0, 0.6, 'float32', 42).arraySync() as number[][];
  const points = noise.map(([dx, dy], i) => [centers[i % 3]![0]! + dx!, centers[i % 3]![1]! + dy!]);
  const labels = points.map((_, i) => [0, 1, 2].map((c) => (c === i % 3 ? 1 : 0)));
  return { xs: tf.tensor2d(points), ys: tf.tensor2d(labels) };
}
