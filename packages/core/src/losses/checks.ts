import { isFloat } from '../dtype.ts';
import { fail } from '../errors.ts';
import { formatShape, sameShape } from '../shape.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * Shape and dtype checks shared by the losses. Losses never broadcast yTrue against yPred: a
 * mismatch is almost always a bug (e.g. [N] targets against [N,1] predictions would silently
 * produce an N×N loss).
 */

export function checkPrediction(yPred: Tensor, where: string): void {
  if (!isFloat(yPred.dtype)) {
    fail(`yPred must be float32 or float64, got ${yPred.dtype}`, {
      where,
      hint: "cast it with .cast('float32')",
    });
  }
}

/** yTrue must have yPred's shape; it is cast to yPred's dtype (as Keras does). */
export function matchTargets(yTrue: Tensor, yPred: Tensor, where: string): Tensor {
  checkPrediction(yPred, where);
  if (!sameShape(yTrue.shape, yPred.shape)) {
    fail(`yTrue has shape ${formatShape(yTrue.shape)} but yPred has shape ${formatShape(yPred.shape)}`, {
      where,
      hint: 'yTrue must have exactly the shape of yPred (losses do not broadcast); reshape one of them',
    });
  }
  return yTrue.dtype === yPred.dtype ? yTrue : yTrue.cast(yPred.dtype);
}

/** yPred needs a class axis (the last one) for class-based and per-row losses. */
export function classCount(yPred: Tensor, where: string): number {
  checkPrediction(yPred, where);
  if (yPred.rank === 0) {
    fail('yPred is a scalar but needs a last (class) axis', { where, hint: 'give yPred shape [..., C]' });
  }
  const classes = yPred.shape[yPred.rank - 1]!;
  if (classes === 0)
    fail('yPred has an empty last (class) axis', { where, hint: 'give yPred at least one class' });
  return classes;
}

/**
 * Class-index targets: int32 with yPred's shape minus the class axis, each in [0, C). The range
 * is checked here only when yTrue's values are already on the host (a constant or realised
 * tensor); an index outside [0, C) in a lazy yTrue selects no class and contributes 0.
 */
export function checkClassIndices(yTrue: Tensor, yPred: Tensor, where: string): number {
  const classes = classCount(yPred, where);
  const expected = yPred.shape.slice(0, -1);
  if (yTrue.dtype !== 'int32' || !sameShape(yTrue.shape, expected)) {
    fail(
      `yTrue (${yTrue.dtype}, shape ${formatShape(yTrue.shape)}) does not fit yPred (shape ${formatShape(yPred.shape)})`,
      {
        where,
        hint: `give int32 class indices of shape ${formatShape(expected)}, or probabilities of shape ${formatShape(yPred.shape)}`,
      },
    );
  }
  const values = hostValues(yTrue);
  if (values) {
    for (let i = 0; i < values.length; i++) {
      const c = values[i]!;
      if (c < 0 || c >= classes) {
        fail(`class index ${c} at flat position ${i} is outside [0, ${classes})`, {
          where,
          hint: `yPred has ${classes} classes on its last axis; indices must be 0…${classes - 1}`,
        });
      }
    }
  }
  return classes;
}

/** Class weights must give one weight per class. */
export function checkClassWeights(
  weights: readonly number[] | undefined,
  classes: number,
  where: string,
): void {
  if (weights && weights.length !== classes) {
    fail(`classWeights has ${weights.length} entries but yPred has ${classes} classes`, {
      where,
      hint: 'give one weight per class (the last axis of yPred)',
    });
  }
}

function hostValues(t: Tensor): ArrayLike<number> | undefined {
  const op = t.node.op;
  return t.node.cached ?? (op.kind === 'constant' ? op.data : undefined);
}
