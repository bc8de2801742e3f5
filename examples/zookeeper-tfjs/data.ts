import { tf } from '../../packages/distributed/src/tfjs/runtime.ts';

/**
 * Interleaved 2-D spirals, one arm per class (not linearly separable), as one-hot tensors,
 * deterministic per seed and shuffled so a contiguous shard holds every class.
 */
export function spirals(perClass: number, classes: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = perClass * classes;
  const rows = Array.from({ length: n }, (_, k) => {
    const c = k % classes;
    const r = Math.floor(k / classes) / perClass;
    const theta = c * 4 + 4 * r + 0.2 * (random() - 0.5) * 2;
    return { x: [r * Math.sin(theta), r * Math.cos(theta)], c, key: random() };
  }).sort((a, b) => a.key - b.key);
  return {
    x: tf.tensor2d(
      rows.flatMap((p) => p.x),
      [n, 2],
    ),
    y: tf.tensor2d(
      rows.flatMap((p) => Array.from({ length: classes }, (_, j) => (j === p.c ? 1 : 0))),
      [n, classes],
    ),
  };
}
