import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from './progress.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, columns: 200, write: (s: string) => chunks.push(s) } };
}

describe('Progress', () => {
  it("'auto' draws a bar on a TTY and plain lines elsewhere", () => {
    expect(new Progress('auto', sink(true).out, 1, 1).mode).toBe('bar');
    expect(new Progress('auto', sink(false).out, 1, 1).mode).toBe('lines');
  });

  it('draws epoch, step, loss, samples/s and ETA on one redrawn line', () => {
    const { chunks, out } = sink(true);
    let t = 0;
    const p = new Progress('bar', out, 10, 4, () => t);
    p.epochStart();
    t = 1000; // 1 s for the first 2 steps of 32 samples
    p.step(3, 2, 64, { loss: 0.5 });
    const line = chunks.at(-1)!;
    expect(line.startsWith('\rEpoch  3/10 [')).toBe(true);
    expect(line).toContain('2/4');
    expect(line).toContain('loss 0.5000');
    expect(line).toContain('64 samples/s');
    expect(line).toContain('ETA 0:01'); // 1 s per 2 steps, 2 steps left
  });

  it('prints one plain line per epoch in lines mode, and nothing when quiet', () => {
    const lines = sink(false);
    let t = 0;
    const p = new Progress('lines', lines.out, 2, 1, () => t);
    p.epochStart();
    p.step(1, 1, 10, { loss: 1 });
    t = 2000;
    p.epochEnd(1, { epoch: 1, loss: 1, val_loss: 2, seconds: 2 });
    expect(lines.chunks.join('')).toBe('Epoch 1/2  loss 1.0000  val_loss 2.0000  5 samples/s  2.0s\n');
    const quiet = sink(true);
    const q = new Progress('quiet', quiet.out, 1, 1);
    q.epochStart();
    q.step(1, 1, 1, { loss: 1 });
    q.epochEnd(1, { epoch: 1, loss: 1 });
    expect(quiet.chunks).toEqual([]);
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});
