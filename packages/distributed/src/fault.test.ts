import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerOutput } from './testing/linear-problem.ts';
import { ensureMpiAddon, MPI_SHARED_MEMORY, runWorker, WORKERS } from './testing/run-worker.ts';

/**
 * A rank that dies (or hangs) mid-step must stop every other rank with an error naming it,
 * within a bounded time, on every transport. The collective timeout is set far above the
 * expected stop time where death should be noticed at once, so passing proves the exit itself
 * was detected rather than waited out.
 */

const CONFIG = {
  n: 48,
  d: 3,
  batch: 4,
  steps: 10,
  seed: 1,
  statsMomentum: 0.9,
  optimizer: { name: 'zookeeper', lr: 0.1 },
};

describe('faults on the local transport', () => {
  it('a rank exiting mid-step stops the others at once with an error naming it', async () => {
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...CONFIG, fault: { rank: 1, step: 4, how: 'exit' } },
      { n: 3, timeoutMs: 120_000 },
    );
    expect(run.result.failure).toEqual({ rank: 1, message: 'rank 1 exited with code 137' });
    expect(run.result.code).toBe(137);
    for (const r of [0, 2]) {
      expect(run.result.ranks[r]!.code).toBe(1);
      expect(run.result.ranks[r]!.error).toMatch(
        new RegExp(`rank 1 exited with code 137; rank ${r} stopped in allreduceMean #\\d+`),
      );
    }
    expect(run.outputs).toEqual([undefined, undefined, undefined]);
    expect(run.elapsedMs).toBeLessThan(20_000);
  });

  it('a rank that throws is named in the others’ errors and in the launch result', async () => {
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...CONFIG, fault: { rank: 1, step: 2, how: 'throw' } },
      { n: 2, timeoutMs: 120_000 },
    );
    expect(run.result.failure).toEqual({
      rank: 1,
      message: 'rank 1 failed: Error: injected failure on rank 1',
    });
    expect(run.result.ranks[0]!.error).toMatch(/rank 1 threw an error; rank 0 stopped in allreduceMean/);
  });

  it('a rank stuck mid-step is named after the collective timeout, and terminated after the grace period', async () => {
    const timeoutMs = 1500;
    const stopGraceMs = 1000;
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...CONFIG, fault: { rank: 1, step: 3, how: 'hang' } },
      { n: 2, timeoutMs, stopGraceMs },
    );
    expect(run.result.failure?.rank).toBe(0);
    expect(run.result.failure?.message).toMatch(/rank 1 did not reach allreduceMean #\d+ within 1500 ms/);
    expect(run.result.ranks[1]!.code).toBe(1);
    expect(run.lines.join('\n')).toContain('rank 1 did not stop within 1000 ms; terminating it');
    expect(run.elapsedMs).toBeGreaterThan(timeoutMs + stopGraceMs);
    expect(run.elapsedMs).toBeLessThan(timeoutMs + stopGraceMs + 15_000);
  });
});

describe('faults on the MPI transport', () => {
  beforeAll(() => ensureMpiAddon());

  it('a rank killed mid-step (SIGKILL) ends the job, and the launcher names it', async () => {
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...CONFIG, fault: { rank: 1, step: 4, how: 'kill' } },
      { n: 3, transport: 'mpi', mpirunArgs: MPI_SHARED_MEMORY },
    );
    expect(run.result.code).not.toBe(0);
    expect(run.result.failure?.rank).toBe(1);
    expect(run.result.failure?.message).toMatch(/rank 1 .*signal 9/);
    expect(run.elapsedMs).toBeLessThan(20_000);
  });

  it('a rank exiting mid-step is named by its own notice', async () => {
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...CONFIG, fault: { rank: 2, step: 4, how: 'exit' } },
      { n: 3, transport: 'mpi', mpirunArgs: MPI_SHARED_MEMORY },
    );
    expect(run.result.code).toBe(137);
    expect(run.result.failure).toEqual({ rank: 2, message: 'rank 2 exited with code 137' });
  });

  it('a rank stuck mid-step makes the others time out and the job end within the bound', async () => {
    const run = await runWorker<WorkerOutput>(
      WORKERS.linear,
      { ...CONFIG, fault: { rank: 1, step: 3, how: 'hang' }, timeoutMs: 1500 },
      { n: 2, transport: 'mpi', mpirunArgs: MPI_SHARED_MEMORY, stopGraceMs: 1000 },
    );
    expect(run.result.code).not.toBe(0);
    expect(run.result.failure?.rank).toBe(0);
    expect(run.lines.join('\n')).toMatch(
      /\[rank 0\] .*allreduceMean #\d+ did not complete within 1500 ms on rank 0/,
    );
    expect(run.elapsedMs).toBeLessThan(1500 + 1000 + 15_000);
  });
});
