import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ReptileError } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { GUIDE_RECIPE, moveARecipe } from './move-a-recipe.ts';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const run = promisify(execFile);

describe('guide: move a recipe between frontends (docs/guide-move-a-recipe.md)', () => {
  it('trains to the same losses on reference, tfjs-cpu, onnx and torch', async () => {
    const runs = await moveARecipe(GUIDE_RECIPE, { epochs: 3, log: () => {} });
    expect(runs.map((r) => r.frontend)).toEqual(['reference', 'tfjs-cpu', 'onnx', 'torch']);
    const [reference] = runs;
    // 3 classes, near-uniform softmax at initialisation: the first epoch's loss is close to ln 3.
    expect(Math.abs(reference!.losses[0]! - Math.log(3))).toBeLessThan(0.15);
    expect(reference!.losses[2]!).toBeLessThan(reference!.losses[0]!);
    // Each frontend is its own runtime (tfjs kernels, onnxruntime, libtorch) computing in float32.
    for (const r of runs) expect(r.maxDiffFromReference, r.frontend).toBeLessThan(1e-5);
  }, 120_000);

  it("runs the guide's command on a recipe file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-guide-recipe-'));
    writeFileSync(join(dir, 'recipe.json'), JSON.stringify(GUIDE_RECIPE));
    const { stdout } = await run(
      'pnpm',
      [
        'exec',
        'tsx',
        'packages/reptile/src/guides/move-a-recipe.ts',
        join(dir, 'recipe.json'),
        '--frontends',
        'reference,tfjs-cpu',
      ],
      { cwd: ROOT },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^reference losses( \d\.\d{5}){4} {2}max \|Δ\| vs reference 0\.0e\+0$/);
    expect(lines[1]).toMatch(/^tfjs-cpu {2}losses( \d\.\d{5}){4} /);
  }, 120_000);

  it('refuses a recipe with a typo, naming the field', async () => {
    const typo = { ...GUIDE_RECIPE, optimizer: { name: 'adam', beta1: 1.5 } };
    await expect(moveARecipe(typo, { frontends: ['reference'] })).rejects.toThrow(ReptileError);
    await expect(moveARecipe(typo, { frontends: ['reference'] })).rejects.toThrow(/recipe\.optimizer\.beta1/);
  });
});
