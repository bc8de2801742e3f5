import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSteps, writeFileAtomic } from './checkpoint.ts';
import type { WorkerOutput } from './testing/linear-problem.ts';
import { runWorker, tempDir, WORKERS } from './testing/run-worker.ts';

describe('writeFileAtomic', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    dir = tempDir('atomic');
  });
  afterAll(() => dir.remove());

  it('replaces the file whole and leaves no temp file behind', () => {
    const path = join(dir.path, 'nested', 'a.json');
    writeFileAtomic(path, '{"v":1}');
    writeFileAtomic(path, '{"v":2}');
    expect(readFileSync(path, 'utf8')).toBe('{"v":2}');
    expect(readdirSync(join(dir.path, 'nested'))).toEqual(['a.json']);
  });
});

describe('completeSteps', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    dir = tempDir('steps');
  });
  afterAll(() => dir.remove());

  it('counts only step directories whose manifest was written, in order', () => {
    for (const [name, manifest] of [
      ['step-000000012', true],
      ['step-000000004', true],
      ['step-000000016', false], // a crash before rank 0 wrote the manifest
      ['other', true],
    ] as const) {
      mkdirSync(join(dir.path, name));
      if (manifest) writeFileSync(join(dir.path, name, 'manifest.json'), '{}');
    }
    expect(completeSteps(dir.path)).toEqual([4, 12]);
    expect(completeSteps(join(dir.path, 'missing'))).toEqual([]);
  });
});

/**
 * Resuming must reproduce the uninterrupted run bit for bit on the reference backend with the
 * local transport. Elastic averaging with H = 2 and momentum makes every part of the state
 * matter: replicas differ between syncs, momentum buffers are local, the rank's generator
 * jitters its inputs and the data position crosses epochs (3 batches per epoch per rank).
 */
describe('checkpoint and resume (local transport)', () => {
  const CONFIG = {
    n: 24,
    d: 3,
    batch: 4,
    steps: 16,
    seed: 5,
    statsMomentum: 0.9,
    optimizer: { name: 'zookeeper', lr: 0.05, momentum: 0.9, beta: 0.5, syncEvery: 2 },
  };
  let reference: WorkerOutput[] = [];

  beforeAll(async () => {
    const dir = tempDir('ckpt-ref');
    try {
      const run = await runWorker<WorkerOutput>(
        WORKERS.linear,
        { ...CONFIG, checkpoint: { dir: dir.path, every: 4 } },
        { n: 2 },
      );
      expect(run.result.code, run.lines.join('\n')).toBe(0);
      reference = run.outputs.map((o) => o!);
      // What a checkpoint holds: this rank's replica, optimizer state, step, RNG and data position.
      expect(completeSteps(dir.path)).toEqual([12, 16]);
      const saved = JSON.parse(readFileSync(join(dir.path, 'step-000000016', 'rank-1.json'), 'utf8'));
      expect(Object.keys(saved).sort()).toEqual(
        [
          'data',
          'extra',
          'format',
          'nonTrainable',
          'optimizer',
          'params',
          'rank',
          'rng',
          'size',
          'step',
          'version',
        ].sort(),
      );
      expect(saved.step).toBe(16);
      expect(saved.data).toEqual({ epoch: 5, batch: 1 });
      expect(saved.optimizer.step).toBe(16);
      expect(existsSync(join(dir.path, 'step-000000016', 'consensus.json'))).toBe(true);
    } finally {
      dir.remove();
    }
  });

  const expectSameAsReference = (outputs: (WorkerOutput | undefined)[]) => {
    outputs.forEach((o, k) => {
      expect(o!.final).toEqual(reference[k]!.final);
      expect(o!.consensus).toEqual(reference[k]!.consensus);
      expect(o!.stats).toEqual(reference[k]!.stats);
    });
  };

  it('a rank dying mid-step, then a restart, reproduces the uninterrupted run bit for bit', async () => {
    const dir = tempDir('ckpt-fault');
    try {
      const config = { ...CONFIG, checkpoint: { dir: dir.path, every: 4 } };
      const crashed = await runWorker<WorkerOutput>(
        WORKERS.linear,
        { ...config, fault: { rank: 1, step: 9, how: 'exit' } },
        { n: 2 },
      );
      expect(crashed.result.failure?.rank).toBe(1);
      expect(completeSteps(dir.path)).toEqual([4, 8]);
      const resumed = await runWorker<WorkerOutput>(WORKERS.linear, config, { n: 2 });
      expect(resumed.result.code, resumed.lines.join('\n')).toBe(0);
      expect(resumed.outputs.map((o) => o!.resumedFrom)).toEqual([8, 8]);
      expect(resumed.outputs[0]!.log[0]!.step).toBe(8);
      expectSameAsReference(resumed.outputs);
    } finally {
      dir.remove();
    }
  });

  it('a rank killed from outside while training, then a restart, reproduces the uninterrupted run bit for bit', async () => {
    const dir = tempDir('ckpt-kill');
    try {
      const config = { ...CONFIG, checkpoint: { dir: dir.path, every: 4 } };
      let killed = false;
      const crashed = await runWorker<WorkerOutput>(
        WORKERS.linear,
        { ...config, stepDelayMs: 40 },
        {
          n: 2,
          onLine: (line, kill) => {
            if (!killed && line === '[rank 1] checkpoint 8') {
              killed = true;
              kill(1);
            }
          },
        },
      );
      expect(killed).toBe(true);
      expect(crashed.result.failure).toEqual({ rank: 1, message: 'rank 1 was killed' });
      expect(crashed.result.ranks[0]!.error).toMatch(/rank 1 exited with code 1; rank 0 stopped/);
      const resumedFrom = completeSteps(dir.path).at(-1);
      expect(resumedFrom).toBeGreaterThanOrEqual(8);
      expect(resumedFrom).toBeLessThan(16);
      const resumed = await runWorker<WorkerOutput>(WORKERS.linear, config, { n: 2 });
      expect(resumed.result.code, resumed.lines.join('\n')).toBe(0);
      expect(resumed.outputs.map((o) => o!.resumedFrom)).toEqual([resumedFrom, resumedFrom]);
      expectSameAsReference(resumed.outputs);
    } finally {
      dir.remove();
    }
  });

  it('refuses to resume a checkpoint of another world size, saying what to do', async () => {
    const dir = tempDir('ckpt-size');
    try {
      const config = { ...CONFIG, steps: 4, checkpoint: { dir: dir.path, every: 4 } };
      expect((await runWorker(WORKERS.linear, config, { n: 2 })).result.code).toBe(0);
      const wrong = await runWorker(WORKERS.linear, { ...config, steps: 8 }, { n: 3 });
      expect(wrong.result.code).not.toBe(0);
      expect(wrong.lines.join('\n')).toMatch(
        /was written by 2 ranks, this world has 3 — resume with the same -n/,
      );
    } finally {
      dir.remove();
    }
  });
});
