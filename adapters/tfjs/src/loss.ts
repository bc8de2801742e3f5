import { type LossConfig, lossFromConfig, type Tensor } from '@reptile/core';
import type * as tf from '@tensorflow/tfjs-core';
import { differentiable } from './differentiable.ts';
import { installTrainingConfigHooks } from './training-config.ts';

/** A tfjs loss or metric function that carries the Reptile config it was built from. */
export interface ReptileLossFn {
  (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor;
  readonly reptileLoss: LossConfig;
}

/**
 * A Reptile loss (docs/losses.md) as a tfjs-layers loss: `model.compile({loss: reptileLoss({name:
 * 'crossEntropy', fromLogits: true}), ...})`. Values and gradients are Reptile's, so training
 * matches every other frontend; the model saves and reloads with it (training-config.ts).
 *
 * tfjs feeds class-index targets as [batch, 1]; when the loss needs indices of shape [batch], an
 * int32 yTrue with a trailing axis of 1 is squeezed. Float targets are probabilities or values.
 */
export function reptileLoss(config: unknown): ReptileLossFn {
  installTrainingConfigHooks(reptileLoss);
  const loss = lossFromConfig(config);
  const compute = differentiable(
    (yTrue: Tensor, yPred: Tensor) => {
      const t =
        yTrue.dtype === 'int32' && yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1
          ? yTrue.squeeze([-1])
          : yTrue;
      return loss.compute(t, yPred);
    },
    [1],
  );
  const fn = ((yTrue: tf.Tensor, yPred: tf.Tensor) => compute(yTrue, yPred)) as ReptileLossFn;
  Object.defineProperty(fn, 'reptileLoss', { value: loss.config, enumerable: false });
  // tfjs names metrics after the function (history keys, logs).
  Object.defineProperty(fn, 'name', { value: loss.config.name });
  return fn;
}

/** The same function used as a metric: `compile({metrics: [reptileMetric({name: 'mae'})]})`. */
export const reptileMetric = reptileLoss;

export function isReptileLoss(value: unknown): value is ReptileLossFn {
  return typeof value === 'function' && 'reptileLoss' in value;
}
