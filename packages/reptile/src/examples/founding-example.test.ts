import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeMnistCsv } from '../demo/mnist-csv.ts';

describe('the founding example', () => {
  const previous = process.cwd();
  afterAll(() => process.chdir(previous));

  it('runs as written on small CSV files of real digits and prints a real held-out accuracy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-founding-'));
    // 40 digits per class: 320 to train on, 80 held out (the last fifth of each class).
    const files = await writeMnistCsv({ dir, perClass: 40 });
    expect([files.trainRows, files.testRows]).toEqual([320, 80]);
    process.chdir(dir);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let logged: unknown[][] = [];
    let written: string[] = [];
    try {
      await import('./founding-example.ts');
    } finally {
      logged = log.mock.calls.map((c) => [...c]);
      written = write.mock.calls.map((c) => String(c[0]));
      write.mockRestore();
      log.mockRestore();
    }
    const call = logged.find((c) => c[0] === 'Test accuracy:');
    expect(call).toBeDefined();
    const accuracy = call![1] as number;
    // chance is 0.1; 320 real digits and 10 epochs of SGD reach well above 0.7 on unseen digits
    expect(accuracy).toBeGreaterThan(0.7);
    expect(accuracy).toBeLessThanOrEqual(1);
    // fit printed one progress line per epoch (stdout is not a terminal here)
    const lines = written.filter((s) => s.startsWith('Epoch'));
    expect(lines).toHaveLength(10);
  }, 120_000);
});
