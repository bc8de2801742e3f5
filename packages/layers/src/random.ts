import { fail } from '@reptile/core';

/**
 * A small seeded generator (Mulberry32: 32-bit state, passes the common statistical batteries,
 * fast in JS). Everything random in Reptile's layers draws from one of these, so a seed fixes
 * initial weights, dropout masks and shuffles on every machine.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) fail(`seed ${seed} is not an integer`, { where: 'Random' });
    this.state = seed >>> 0;
  }

  /** The generator's whole state, for checkpoints: `Random.restore(r.snapshot())` continues r. */
  snapshot(): number {
    return this.state;
  }

  static restore(state: number): Random {
    return new Random(state);
  }

  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform on [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal by Box–Muller (1 − u keeps the log argument in (0, 1]). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    return order;
  }
}

/**
 * A seed derived from a base seed and a label (FNV-1a over the label, mixed with the seed), so
 * each weight gets its own stream: adding a layer does not change the other layers' weights.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // one round of avalanche so nearby seeds give unrelated streams
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}
