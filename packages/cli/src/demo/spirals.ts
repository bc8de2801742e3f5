import { normalSampler, seededRandom } from '../random.ts';

export interface Dataset {
  /** Row-major [n, 2] points. */
  readonly x: Float32Array;
  /** Class index per point. */
  readonly y: Int32Array;
  readonly n: number;
  readonly classes: number;
}

/**
 * Interleaved 2-D spirals, one arm per class (the classic CS231n toy problem): not linearly
 * separable, so a hidden layer is needed, yet small enough to train in a second. Deterministic
 * for a given seed.
 */
export function spirals(pointsPerClass: number, classes: number, seed: number, noise = 0.2): Dataset {
  const normal = normalSampler(seededRandom(seed));
  const n = pointsPerClass * classes;
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < pointsPerClass; i++) {
      const k = c * pointsPerClass + i;
      const r = i / Math.max(1, pointsPerClass - 1);
      const theta = c * 4 + 4 * r + noise * normal();
      x[2 * k] = r * Math.sin(theta);
      x[2 * k + 1] = r * Math.cos(theta);
      y[k] = c;
    }
  }
  return { x, y, n, classes };
}
