import { checkNumber, fail, type Shape } from '@reptile/core';

/**
 * Normalization axes count the batch axis, as Keras does (axis=1 is the channel axis of NCHW
 * data). They are resolved against the per-sample shape at build time; the batch axis itself
 * can never be a feature axis.
 */
export function readAxis(value: unknown, where: string): number {
  return checkNumber(value, where, { integer: true });
}

export function resolveFeatureAxis(axis: number, inputShape: Shape, where: string): number {
  const rank = inputShape.length + 1;
  const ax = axis < 0 ? axis + rank : axis;
  if (ax < 1 || ax >= rank) {
    fail(`axis ${axis} is not a feature axis of inputs [batch, ${inputShape.join(', ')}]`, {
      where,
      hint: `use an axis in 1..${rank - 1} or -${rank - 1}..-1 (axis 0 is the batch)`,
    });
  }
  return ax;
}

/** Shape [1, ..., d, ..., 1] that lets a per-feature vector broadcast against a rank-`rank` batch. */
export function broadcastShape(rank: number, axes: readonly number[], dims: readonly number[]): number[] {
  const shape = new Array<number>(rank).fill(1);
  axes.forEach((a, i) => {
    shape[a] = dims[i]!;
  });
  return shape;
}

/** Refuses a batch whose per-sample shape differs from the one the layer was built for. */
export function checkBatch(x: { shape: Shape }, inputShape: Shape, where: string): void {
  if (x.shape.length !== inputShape.length + 1 || x.shape.slice(1).join(',') !== inputShape.join(',')) {
    fail(`expected inputs [batch, ${inputShape.join(', ')}], got [${x.shape.join(', ')}]`, {
      where,
      hint: 'feed batches with the per-sample shape the layer was built for',
    });
  }
}
