import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Data } from '../data/data.ts';
import { loadMnistDigits, writeMnistCsv } from './mnist-csv.ts';
import { runDemo } from './run-demo.ts';

describe('the MNIST demo', () => {
  it('ships 10,000 real digits and holds out a fixed, stratified ≥ 2,000 for testing', async () => {
    const digits = loadMnistDigits();
    expect(digits.reduce((n, d) => n + d.count, 0)).toBe(10_000);
    const dir = mkdtempSync(join(tmpdir(), 'reptile-mnist-'));
    const a = await writeMnistCsv({ dir, perClass: 30 });
    expect([a.trainRows, a.testRows]).toEqual([240, 60]);
    const test = await Data.fromFile(a.testPath);
    expect(test.featureShape).toEqual([784]);
    expect(
      Array.from({ length: 10 }, (_, c) => Array.from(test.labels!).filter((l) => l === c).length),
    ).toEqual(new Array(10).fill(6));
    // fixed: writing again gives the same files
    const first = readFileSync(a.testPath, 'utf8');
    await writeMnistCsv({ dir, perClass: 30 });
    expect(readFileSync(a.testPath, 'utf8')).toBe(first);
    // the full split: ⌈20%⌉ of each class is 2,004 digits
    const counts = digits.map((d) => Math.ceil(d.count * 0.2));
    expect(counts.reduce((x, y) => x + y, 0)).toBe(2004);
  });

  it('trains the founding example and scores real held-out digits (subset, 3 epochs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-demo-'));
    const lines: string[] = [];
    const result = await runDemo({
      dir,
      perClass: 100,
      epochs: 3,
      output: { write: (s: string) => lines.push(s) },
    });
    expect([result.trainRows, result.testRows]).toEqual([800, 200]);
    // 800 training digits, 3 epochs: far above chance (0.1) on 200 unseen digits
    expect(result.accuracy).toBeGreaterThan(0.8);
    const text = lines.join('');
    expect(text).toContain(`Test accuracy: ${result.accuracy}`);
    expect(text).toMatch(/Elapsed: \d+\.\d s/);
    expect(text.match(/^Epoch \d\/3 /gm)).toHaveLength(3);
    expect(existsSync(result.historyPlot)).toBe(true);
    // the default deploy step: model.onnx exported and checked against model.predict
    expect(existsSync(join(dir, 'model.onnx'))).toBe(true);
    expect(text).toMatch(/onnxruntime matches model\.predict on 200 test rows/);
  }, 120_000);
});
