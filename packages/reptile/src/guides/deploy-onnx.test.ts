import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ONNX_DEPLOY_TOLERANCE } from '../export/onnx-deploy.ts';
import { deployOnnxGuide } from './deploy-onnx.ts';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const run = promisify(execFile);

/** The guide's Python snippet: onnx's own reference evaluator, an implementation independent of onnxruntime. */
const PYTHON = `
import sys, numpy as np, onnx
from onnx.reference import ReferenceEvaluator
model_path, csv_path = sys.argv[1], sys.argv[2]
session = ReferenceEvaluator(onnx.load(model_path))
rows = np.loadtxt(csv_path, delimiter=",", skiprows=1, dtype=np.float32, max_rows=20)
for row in rows:
    probabilities = session.run(None, {"input": row[None, 1:]})[0][0]
    print(int(probabilities.argmax()), " ".join(repr(float(p)) for p in probabilities))
`;

describe('guide: deploy with ONNX Runtime (docs/guide-deploy-onnx.md)', () => {
  it('trains, exports model.onnx and serves it with `reptile predict` and from Python', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-guide-onnx-'));
    const r = await deployOnnxGuide({ dir, perClass: 40, epochs: 3, log: () => {} });
    expect(existsSync(join(dir, 'saved', 'model.json'))).toBe(true);
    expect(r.rows).toBeGreaterThan(50);
    expect(r.maxAbsDiff).toBeLessThanOrEqual(ONNX_DEPLOY_TOLERANCE);
    expect(r.onnxAccuracy).toBe(r.testAccuracy);
    expect(r.testAccuracy).toBeGreaterThan(0.5); // 10 classes: chance is 0.1

    const { stdout } = await run(
      'pnpm',
      ['--silent', 'reptile', 'predict', r.modelPath, join(dir, 'test_data.csv')],
      {
        cwd: ROOT,
        maxBuffer: 1 << 24,
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(r.rows + 1);
    expect(lines[0]).toMatch(/^0\t\d\t[01]\.\d{4}$/);
    expect(lines.at(-1)).toBe(`accuracy ${r.onnxAccuracy.toFixed(4)} on ${r.rows} rows`);

    const py = await run('python3', ['-c', PYTHON, r.modelPath, join(dir, 'test_data.csv')]);
    const pyRows = py.stdout.trim().split('\n');
    expect(pyRows).toHaveLength(20);
    pyRows.forEach((line, i) => {
      const [cls, ...probabilities] = line.split(' ').map(Number);
      const [, predicted, probability] = lines[i]!.split('\t').map(Number);
      expect(cls).toBe(predicted);
      // `reptile predict` prints the winning probability to 4 decimals.
      expect(Math.abs(Math.max(...probabilities) - probability!)).toBeLessThanOrEqual(5e-5);
    });
  }, 180_000);
});
