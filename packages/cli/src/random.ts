/**
 * Seeded pseudo-random numbers (mulberry32), so benchmarks and the demo see the same data on
 * every run and machine; Math.random cannot be seeded.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box–Muller (1 − u keeps log away from 0). */
export function normalSampler(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function randomNormalArray(n: number, random: () => number, scale = 1): Float32Array {
  const normal = normalSampler(random);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * normal();
  return out;
}
