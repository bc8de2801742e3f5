import { describe, expect, it } from 'vitest';
import { launch } from '../../packages/distributed/src/launch.ts';

const SCRIPT = new URL('./train.ts', import.meta.url).pathname;

async function accuracy(n: number): Promise<number> {
  const lines: string[] = [];
  const result = await launch({ n, script: SCRIPT, args: ['12'], onLine: (line) => lines.push(line) });
  expect(result.code, lines.join('\n')).toBe(0);
  const found = lines.find((l) => l.startsWith('RESULT '));
  const parsed = JSON.parse(found!.slice(7)) as { size: number; accuracy: number };
  expect(parsed.size).toBe(n);
  return parsed.accuracy;
}

describe('examples/zookeeper-tfjs', () => {
  it('reaches the single-process accuracy when launched on 2 workers', async () => {
    const one = await accuracy(1);
    const two = await accuracy(2);
    expect(one).toBeGreaterThanOrEqual(0.9);
    expect(two).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(two - one)).toBeLessThanOrEqual(0.05);
  }, 120_000);
});
