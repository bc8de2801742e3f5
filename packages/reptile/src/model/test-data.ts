import { Random } from '@reptile/layers';
import { Data } from '../data/data.ts';
import type { Dataset } from '../data/dataset.ts';

/** Three well-separated Gaussian blobs in 4-D: any sensible classifier exceeds 95% on them. */
export function blobs(n: number, seed: number): Dataset {
  const r = new Random(seed);
  const centres = [
    [3, 0, 0, 1],
    [0, 3, 0, -1],
    [0, 0, 3, 0],
  ];
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    x.push(centres[c]!.map((m) => m + 0.6 * r.normal()));
    y.push(c);
  }
  return Data.fromArrays(x, y);
}

/** A quiet progress sink for tests. */
export const quiet = { verbose: 'quiet' as const };
