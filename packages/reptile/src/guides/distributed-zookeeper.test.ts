import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const SCRIPT = 'packages/reptile/src/guides/distributed-zookeeper.ts';
const run = promisify(execFile);

async function result(cmd: string, args: readonly string[]) {
  const { stdout } = await run(cmd, args, { cwd: ROOT });
  const line = stdout.split('\n').find((l) => l.includes('RESULT '));
  expect(line, stdout).toBeDefined();
  return {
    stdout,
    ...(JSON.parse(line!.slice(line!.indexOf('RESULT ') + 7)) as {
      size: number;
      loss: number;
      accuracy: number;
    }),
  };
}

describe('guide: distributed training (docs/guide-distributed.md)', () => {
  it("runs the guide's script alone, on 2 local workers and on 2 MPI processes", async () => {
    const alone = await result('pnpm', ['exec', 'tsx', SCRIPT, '3']);
    const local = await result('pnpm', ['reptile', 'launch', '-n', '2', SCRIPT, '3']);
    const mpi = await result('pnpm', ['reptile', 'launch', '-n', '2', '--transport', 'mpi', SCRIPT, '3']);
    expect([alone.size, local.size, mpi.size]).toEqual([1, 2, 2]);
    expect(local.stdout).toMatch(
      /^\[rank 0\] 2 worker\(s\), 3 epochs: test loss \d\.\d{4}, accuracy 0\.\d{3}$/m,
    );
    // Three blobs 3 standard deviations apart: a linear classifier gets nearly every point, and
    // the test loss falls far below ln 3 ≈ 1.10 (the untrained model's).
    for (const r of [alone, local, mpi]) {
      expect(r.accuracy).toBeGreaterThan(0.95);
      expect(r.loss).toBeLessThan(0.1);
    }
    // With K = 2 the mean (a + b) / 2 is rounded once on both transports (the local kernel in
    // float64, MPI's float32 sum then an exact halving), so the runs agree bit for bit.
    expect(mpi.loss).toBe(local.loss);
    expect(mpi.accuracy).toBe(local.accuracy);
  }, 180_000);
});
