import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportArtifact } from './artifacts/artifact.ts';
import { optimizerStepArtifact } from './artifacts/optimizer-step.ts';
import { grad, lossFromConfig, materialize, optimizerFromConfig, Tensor } from './core.ts';
import { runPython } from './testing/harness.ts';

/**
 * CI for examples/train_with_reptile_adam.py: a plain PyTorch loop using a Reptile-exported Adam
 * `.pt` in place of torch.optim must follow the reference frontend's loss curve on the same
 * data and initialisation.
 */
const STEPS = 40;
const script = fileURLToPath(new URL('../examples/train_with_reptile_adam.py', import.meta.url));

/** The example's data, computed the same way (every value is exact in float32). */
function data() {
  const x = Array.from({ length: 16 }, (_, i) =>
    Array.from({ length: 4 }, (_, j) => (((i * 7 + j * 3) % 11) - 5) / 4),
  );
  const wTrue = [1.5, -2, 0.25, 0.75];
  const y = x.map((row, i) => {
    const dot = Math.fround(row.reduce((s, v, j) => Math.fround(s + Math.fround(v * wTrue[j]!)), 0));
    return Math.fround(Math.fround(dot + 0.5) + (((i * 5) % 7) - 3) / 16);
  });
  return { x: Tensor.fromData(x.flat(), [16, 4]), y: Tensor.fromData(y, [16, 1]) };
}

/** The same training run on Reptile's reference frontend. */
function referenceLosses(): number[] {
  const { x, y } = data();
  const opt = optimizerFromConfig({ name: 'adam', lr: 0.05 });
  const mse = lossFromConfig({ name: 'mse' });
  let params = [Tensor.fromData([0.1, -0.2, 0.3, 0], [4, 1]), Tensor.fromData([0], [1])];
  let state = opt.init(params);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const loss = mse.compute(y, x.matmul(params[0]!).add(params[1]!));
    const grads = grad(loss, params);
    losses.push(loss.item());
    ({ params, state } = opt.step(params, grads, state));
    params = materialize(params);
  }
  return losses;
}

describe('Python example: Reptile Adam in a plain PyTorch loop', () => {
  it('reaches the reference frontend loss (and matches torch.optim.Adam)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-example-'));
    const path = join(dir, 'adam_step.pt');
    const artifact = optimizerStepArtifact({ name: 'adam', lr: 0.05 }, [
      { name: 'w', shape: [4, 1] },
      { name: 'b', shape: [1] },
    ]);
    writeFileSync(path, exportArtifact(artifact, { inPlace: true }));
    const out = JSON.parse(
      runPython(
        `import runpy, sys\nsys.argv = ${JSON.stringify([script, path, String(STEPS), '--compare'])}\nrunpy.run_path(sys.argv[0], run_name="__main__")`,
      ),
    );
    const want = referenceLosses();
    const got: number[] = out.reptile.losses;
    expect(got).toHaveLength(STEPS);
    // the loss falls by more than 10x, and follows the reference step by step (PyTorch's autograd
    // and matmul round differently from Reptile's float64-accumulating reference: rtol 1e-4)
    expect(got[STEPS - 1]!).toBeLessThan(got[0]! / 10);
    got.forEach((l, s) => {
      expect(Math.abs(l - want[s]!)).toBeLessThanOrEqual(1e-4 * Math.abs(want[s]!) + 1e-6);
    });
    const peer: number[] = out['torch.optim'].losses;
    got.forEach((l, s) => {
      expect(Math.abs(l - peer[s]!)).toBeLessThanOrEqual(1e-4 * Math.abs(peer[s]!) + 1e-6);
    });
  });
});
