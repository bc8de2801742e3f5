/**
 * Exercises a transport's collectives directly (run on every rank by the tests): allreduceMean
 * of float32 and float64 buffers of awkward lengths, in place and not, broadcast from every
 * root, barriers, and optional misuse. Writes out/rank-<r>.json with the raw results; argv[2]
 * is a JSON file with CollectiveWorkerConfig.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import { connect } from '../connect.ts';
import { WORKER_DATA_KEY } from '../env.ts';
import type { LocalCollective } from '../local/local-collective.ts';
import type { ThreadLaunchData } from '../local/run-threads.ts';
import { type CollectiveOutput, type CollectiveWorkerConfig, rankValues } from './collective-values.ts';

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CollectiveWorkerConfig;
const c = connect();
const slotBytes = (workerData?.[WORKER_DATA_KEY] as ThreadLaunchData | undefined)?.world.slotBytes ?? 0;
if (cfg.mismatch) c.allreduceMean(new Float32Array(c.rank === 1 ? 11 : 10));
let inputUntouched = true;
const means = cfg.lengths.map((n) => {
  const a = rankValues(c.rank, n, 'f32');
  const copy = a.slice();
  const m32 = c.allreduceMean(a);
  inputUntouched &&= a.every((v, i) => Object.is(v, copy[i]));
  const m64 = c.allreduceMean(rankValues(c.rank, n, 'f64'));
  const inPlace = rankValues(c.rank, n, 'f32');
  const transport = c as Partial<LocalCollective>;
  transport.allreduceMeanInPlace?.(inPlace);
  // Reduced where it lies in shared memory (local transport); else the same as in place.
  const staged =
    transport.stagingBuffer && n * 8 <= slotBytes
      ? transport.stagingBuffer(n, 'float64')
      : new Float64Array(n);
  staged.set(rankValues(c.rank, n, 'f64'));
  transport.allreduceMeanInPlace?.(staged);
  return [Array.from(m32), Array.from(m64), Array.from(inPlace), Array.from(staged)];
});
c.barrier();
const broadcasts = Array.from({ length: c.size }, (_, root) =>
  Array.from(c.broadcast(new Float64Array([root, c.rank, c.rank + 0.25]), root)),
);
c.barrier();
const output: CollectiveOutput = { rank: c.rank, size: c.size, means, broadcasts, inputUntouched };
writeFileSync(join(cfg.out, `rank-${c.rank}.json`), JSON.stringify(output));
