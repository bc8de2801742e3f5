/**
 * docs/guide-move-a-recipe.md, runnable:
 *   pnpm exec tsx packages/reptile/src/guides/move-a-recipe.ts [RECIPE.json] [--frontends a,b,...]
 * Trains the same small network with the same recipe (its optimizer, schedule and loss) on every
 * frontend and prints each one's per-epoch losses and how far they are from the reference's.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { effectiveOptimizerConfig, parseRecipe, type Recipe } from '@reptile/core';
import { Data } from '../data/data.ts';
import type { TracedFrontend } from '../frontend/traced-session.ts';
import { Loss, layers, Model, Optimizer } from '../index.ts';

/** The guide's recipe: Adam whose rate follows a cosine schedule with warm-up, and cross-entropy. */
export const GUIDE_RECIPE = {
  optimizer: { name: 'adam', weightDecay: 0.0001 },
  schedule: { name: 'cosine', peak: 0.05, warmupSteps: 2, decaySteps: 12 },
  loss: { name: 'crossEntropy', labelSmoothing: 0.1 },
};

export const ALL_FRONTENDS = ['reference', 'tfjs-cpu', 'onnx', 'torch'] as const;

// 24 rows, 4 features, 3 classes, deterministic: the same data on every frontend.
const ROWS = Array.from({ length: 24 }, (_, r) => [0, 1, 2, 3].map((c) => Math.sin(r * 1.3 + c * 0.7) * 2));
const LABELS = ROWS.map((_, r) => r % 3);

export interface FrontendRun {
  readonly frontend: string;
  readonly losses: readonly number[];
  /** max over epochs of |loss − the reference frontend's loss|. */
  readonly maxDiffFromReference: number;
}

/** Trains with `recipe` on each frontend; the first frontend should be 'reference'. */
export async function moveARecipe(
  recipeJson: unknown,
  options: { frontends?: readonly string[]; epochs?: number; log?: (s: string) => void } = {},
): Promise<FrontendRun[]> {
  const log = options.log ?? console.log;
  const recipe: Recipe = parseRecipe(recipeJson); // every field checked; typos are errors
  const optimizer = Optimizer.fromConfig(effectiveOptimizerConfig(recipe));
  const criterion = recipe.loss ? Loss.fromConfig(recipe.loss) : undefined;
  const runs: FrontendRun[] = [];
  for (const frontend of options.frontends ?? ALL_FRONTENDS) {
    const model = new Model({ frontend, seed: 7 });
    model.add(layers.Dense(8, { activation: 'relu' }));
    model.add(layers.Dense(3, { activation: 'softmax' }));
    const history = await model.fit(Data.fromArrays(ROWS, LABELS), {
      optimizer,
      ...(criterion ? { criterion } : {}),
      batchSize: 8,
      epochs: options.epochs ?? 4,
      shuffle: false,
      verbose: 'quiet',
    });
    const losses = history.epochs.map((e) => e.loss!);
    const ref = runs[0]?.losses ?? losses;
    const maxDiffFromReference = Math.max(...losses.map((l, i) => Math.abs(l - ref[i]!)));
    runs.push({ frontend, losses, maxDiffFromReference });
    log(
      `${frontend.padEnd(9)} losses ${losses.map((l) => l.toFixed(5)).join(' ')}` +
        `  max |Δ| vs reference ${maxDiffFromReference.toExponential(1)}`,
    );
    // The traced frontends hold a runtime (onnxruntime sessions, the Python worker for torch).
    await ((await model.frontendImpl()) as Partial<TracedFrontend>).close?.();
  }
  return runs;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--frontends');
  const frontends = at >= 0 ? args.splice(at, 2)[1]!.split(',') : undefined;
  const recipe = args[0] ? JSON.parse(readFileSync(args[0], 'utf8')) : GUIDE_RECIPE;
  await moveARecipe(recipe, frontends ? { frontends } : {});
}
