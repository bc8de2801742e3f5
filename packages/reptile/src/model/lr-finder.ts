import { fail } from '@reptile/core';
import { deriveSeed } from '@reptile/layers';
import { fuseOutput, Loss, type LossSpec } from '../api/loss.ts';
import { Optimizer, type OptimizerSpec } from '../api/optimizer.ts';
import type { Dataset } from '../data/dataset.ts';
import { writeLrFinderPlot } from '../plot/lr-plot.ts';
import { DEFAULT_BATCH_SIZE } from './fit.ts';
import type { Model } from './model.ts';

/** Options of `model.findLearningRate`; all optional. */
export interface LrFinderOptions {
  /** Default: the last fit's loss, else CrossEntropy for class labels, MSE for regression targets. */
  readonly criterion?: LossSpec;
  /** The optimizer whose learning rate is searched (default SGD); its own lr is ignored. */
  readonly optimizer?: OptimizerSpec;
  /** The first step's learning rate; > 0, default 1e-6. */
  readonly minLr?: number;
  /** The last step's learning rate; > minLr, default 10. */
  readonly maxLr?: number;
  /**
   * Mini-batch steps, each at a larger lr (the data is cycled if it has fewer batches). An
   * integer ≥ 2, default 100.
   */
  readonly steps?: number;
  /** Rows per step. Default DEFAULT_BATCH_SIZE (2). */
  readonly batchSize?: number;
  /** Weight of the past in the loss's moving average (default 0.98, as fastai). */
  readonly smoothing?: number;
  /**
   * Stop once the smoothed loss exceeds this multiple of its minimum (checked from the 7th step
   * on). Default 4.
   */
  readonly divergeFactor?: number;
  /** Writes the curve as SVG here. */
  readonly plot?: string;
}

/**
 * The learning-rate range test's curve and the rates read off it. `lrs` and `losses` hold one
 * entry per step taken (fewer than `steps` when the loss diverged).
 */
export interface LrFinderResult {
  /** The learning rate to use: a tenth of the one at the lowest smoothed loss. */
  readonly suggestedLr: number;
  /** Where the smoothed loss was lowest (already too high to train with, as a rule). */
  readonly minLossLr: number;
  /** Where the smoothed loss fell fastest (steepest negative slope in log lr). */
  readonly steepestLr: number;
  /** The learning rate of each step, growing geometrically from minLr. */
  readonly lrs: number[];
  /** The smoothed (bias-corrected moving-average) training loss at each step. */
  readonly losses: number[];
}

/**
 * The learning-rate range test (Smith 2017, "Cyclical Learning Rates", §3.3): train from the
 * current weights while the lr grows geometrically from minLr to maxLr, record the smoothed
 * loss, stop when it diverges. The loss falls while the lr is useful and explodes once it is too
 * large; a tenth of the lr at the minimum is a safe, fast choice. The model's weights are not
 * changed (the run trains a throwaway copy).
 */
export async function runLrFinder(
  model: Model,
  data: Dataset,
  options: LrFinderOptions,
): Promise<LrFinderResult> {
  const minLr = options.minLr ?? 1e-6;
  const maxLr = options.maxLr ?? 10;
  const steps = options.steps ?? 100;
  const beta = options.smoothing ?? 0.98;
  const diverge = options.divergeFactor ?? 4;
  if (!(minLr > 0 && maxLr > minLr))
    fail(`need 0 < minLr < maxLr, got ${minLr} and ${maxLr}`, { where: 'findLearningRate' });
  if (!Number.isInteger(steps) || steps < 2)
    fail(`steps ${steps} must be an integer ≥ 2`, { where: 'findLearningRate' });
  if (!data.labels) fail('findLearningRate needs labelled data', { where: data.source });
  model.buildFor(data);
  const criterion: LossSpec =
    options.criterion ??
    (model.criterion
      ? { kind: 'loss', config: model.criterion }
      : data.task === 'classification'
        ? Loss.CrossEntropy()
        : Loss.MSE());
  const { loss, logits } = fuseOutput(criterion.config, model.network.outputActivation);
  const optimizer = options.optimizer ?? Optimizer.SGD();
  const frontend = await model.frontendImpl();
  const session = await frontend.train(
    {
      params: model.params,
      inputShape: model.network.inputShape,
      forward: model.forward(logits),
      loss,
      optimizer: optimizer.config,
      regularizers: model.network.weights.flatMap((w) =>
        w.regularizer ? [{ regularizer: w.regularizer, params: [w.path] }] : [],
      ),
      seed: deriveSeed(model.seed, 'lr-finder'),
    },
    model.weightValues!,
  );
  const lrs: number[] = [];
  const losses: number[] = [];
  let average = 0;
  let best = Number.POSITIVE_INFINITY;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  try {
    let pass = 0;
    outer: while (lrs.length < steps) {
      for (const batch of data.batches(batchSize, {
        shuffle: true,
        seed: deriveSeed(model.seed, `lr-finder:${pass++}`),
      })) {
        const i = lrs.length;
        if (i >= steps) break outer;
        const lr = minLr * (maxLr / minLr) ** (i / (steps - 1));
        session.setLearningRate(lr);
        let value: number;
        try {
          value = (
            await session.step({ x: batch.x, xShape: batch.xShape, y: batch.y!, yShape: batch.yShape })
          ).loss;
        } catch {
          break outer; // a non-finite loss: the lr is far past useful
        }
        average = beta * average + (1 - beta) * value;
        const smoothed = average / (1 - beta ** (i + 1));
        lrs.push(lr);
        losses.push(smoothed);
        best = Math.min(best, smoothed);
        if (i > 5 && smoothed > diverge * best) break outer;
      }
    }
  } finally {
    session.dispose();
  }
  if (lrs.length < 3)
    fail('the loss diverged almost at once', { where: 'findLearningRate', hint: 'lower minLr' });
  const minAt = losses.indexOf(Math.min(...losses));
  let steepestAt = 0;
  let steepest = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= minAt; i++) {
    const slope = (losses[i]! - losses[i - 1]!) / Math.log(lrs[i]! / lrs[i - 1]!);
    if (slope < steepest) {
      steepest = slope;
      steepestAt = i;
    }
  }
  const result: LrFinderResult = {
    suggestedLr: lrs[minAt]! / 10,
    minLossLr: lrs[minAt]!,
    steepestLr: lrs[steepestAt]!,
    lrs,
    losses,
  };
  if (options.plot) await writeLrFinderPlot(result, options.plot);
  return result;
}
