import { fail } from '../errors.ts';
import { normalizeAxis } from '../shape.ts';
import { Tensor } from './tensor.ts';

/**
 * Composite ops, built only from primitives so every frontend inherits them (and their gradients)
 * for free. Each uses the numerically stable form; comments say which.
 */

export function square(x: Tensor): Tensor {
  return x.mul(x);
}

export function reciprocal(x: Tensor): Tensor {
  return Tensor.scalar(1, x.dtype).div(x);
}

export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (lo > hi) fail(`lower bound ${lo} exceeds upper bound ${hi}`, { where: 'clip' });
  return x.maximum(lo).minimum(hi);
}

export function relu(x: Tensor): Tensor {
  return x.maximum(0);
}

/** 1 / (1 + e^−x): exp overflows to +∞ for very negative x and the result is an exact 0. */
export function sigmoid(x: Tensor): Tensor {
  return reciprocal(x.neg().exp().add(1));
}

/** tanh(x) = 2σ(2x) − 1, which saturates cleanly instead of forming ∞/∞. */
export function tanh(x: Tensor): Tensor {
  return sigmoid(x.mul(2)).mul(2).sub(1);
}

/** log(1 + e^x) = max(x, 0) + log(1 + e^−|x|), finite for every finite x. */
export function softplus(x: Tensor): Tensor {
  return relu(x).add(x.abs().neg().exp().add(1).log());
}

/** log Σ e^x along `axis`, shifted by the max so no term overflows. */
export function logSumExp(x: Tensor, axis = -1, keepDims = false): Tensor {
  const ax = normalizeAxis(axis, x.rank, 'logSumExp');
  const shift = maxForShift(x, ax);
  const out = x.sub(shift).exp().sum(ax, true).log().add(shift);
  return keepDims ? out : out.squeeze([ax]);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return x.sub(logSumExp(x, axis, true));
}

export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normalizeAxis(axis, x.rank, 'softmax');
  const e = x.sub(maxForShift(x, ax)).exp();
  return e.div(e.sum(ax, true));
}

/**
 * The max used to shift exponentials (its gradient contributions cancel). Infinite maxima are
 * replaced by 0 so that a row of −∞ gives −∞ rather than NaN from (−∞) − (−∞).
 */
function maxForShift(x: Tensor, axis: number): Tensor {
  const m = x.max(axis, true);
  return Tensor.where(m.abs().lt(Infinity), m, 0);
}

/** One-hot encoding of int32 class indices along a new last axis. */
export function oneHot(indices: Tensor, depth: number, dtype: Tensor['dtype'] = 'float32'): Tensor {
  if (indices.dtype !== 'int32') fail(`indices must be int32, got ${indices.dtype}`, { where: 'oneHot' });
  const classes = Tensor.arange(depth, 'int32');
  return indices.expandDims(-1).eq(classes).cast(dtype);
}

/** Euclidean norm over `axes` (all when omitted). */
export function norm(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return square(x).sum(axes, keepDims).sqrt();
}

export function variance(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const centred = x.sub(x.mean(axes, true));
  return square(centred).mean(axes, keepDims);
}

export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  return Tensor.where(x.gt(0), x, x.mul(alpha));
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return Tensor.where(x.gt(0), x, x.minimum(0).exp().sub(1).mul(alpha));
}

/**
 * Inserts stride − 1 zeros between neighbours along `axis` (length (d − 1)·stride + 1): the
 * adjoint of reading every stride-th element, used by strided convolutions' gradients and by
 * transposed convolutions. Composed as reshape, pad and slice.
 */
export function insertZeros(x: Tensor, axis: number, stride: number): Tensor {
  const ax = normalizeAxis(axis, x.rank, 'insertZeros');
  if (!(Number.isInteger(stride) && stride >= 1))
    fail(`stride must be a positive integer, got ${stride}`, { where: 'insertZeros' });
  const size = x.shape[ax]!;
  if (stride === 1 || size === 0) return x;
  const split = [...x.shape.slice(0, ax + 1), 1, ...x.shape.slice(ax + 1)];
  const padded = x.reshape(split).pad(split.map((_, i) => (i === ax + 1 ? [0, stride - 1] : [0, 0])));
  const merged = padded.reshape(x.shape.map((d, i) => (i === ax ? d * stride : d)));
  return merged.slice(
    merged.shape.map(() => 0),
    merged.shape.map((d, i) => (i === ax ? (size - 1) * stride + 1 : d)),
  );
}
