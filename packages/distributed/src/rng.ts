/**
 * A seeded generator whose whole state is one uint32 (mulberry32), so a checkpoint can store it
 * and a resumed run draws exactly the numbers the uninterrupted run would have.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** The state to store; `createRng(0, state)` continues from here. */
  state(): number;
}

export function createRng(seed: number, state = seed >>> 0): Rng {
  let a = state >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => a,
  };
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}
