import * as tf from '@tensorflow/tfjs-core';

/**
 * Where a tfjs backend's kernels differ from docs/protocol.md in ways that cost extra ops to fix.
 * Each backend is probed once with tiny tensors instead of trusting a hard-coded table, so
 * tfjs-node, webgl and webgpu (which we cannot test here) get the fix-ups they actually need.
 * Fix-ups that are cheap or rare (int32 division, casts, argmax, sign) are applied everywhere.
 */
export interface Quirks {
  /** maximum/minimum return NaN when either operand is NaN (cpu: yes; wasm: no). */
  readonly maxPropagatesNaN: boolean;
  /** max/min reductions return NaN when a NaN is reduced. */
  readonly reducePropagatesNaN: boolean;
  /** int32 mul wraps modulo 2^32 exactly (cpu computes in doubles and loses low bits). */
  readonly int32MulExact: boolean;
  /** pow follows Math.pow: pow(1, NaN) = NaN and pow(±1, ±∞) = NaN (C's pow gives 1). */
  readonly powIsMathPow: boolean;
}

const cache = new Map<string, Quirks>();

export function quirksOf(backendName: string = tf.getBackend()): Quirks {
  let q = cache.get(backendName);
  if (!q) {
    q = probe();
    cache.set(backendName, q);
  }
  return q;
}

function probe(): Quirks {
  return tf.tidy(() => {
    const nan = Number.NaN;
    const read = (t: tf.Tensor) => Array.from(t.dataSync());
    const max = read(tf.maximum(tf.tensor1d([1, nan]), tf.tensor1d([nan, 1])));
    const min = read(tf.minimum(tf.tensor1d([1, nan]), tf.tensor1d([nan, 1])));
    const rmax = read(tf.max(tf.tensor1d([1, nan, 2])));
    const rmin = read(tf.min(tf.tensor1d([1, nan, 2])));
    const big = 2147483647;
    const mul = read(tf.mul(tf.tensor1d([big, -big], 'int32'), tf.tensor1d([big, 65537], 'int32')));
    const pow = read(tf.pow(tf.tensor1d([1, -1, 1]), tf.tensor1d([nan, Number.POSITIVE_INFINITY, 0])));
    return {
      maxPropagatesNaN: [...max, ...min].every(Number.isNaN),
      reducePropagatesNaN: [...rmax, ...rmin].every(Number.isNaN),
      int32MulExact: mul[0] === Math.imul(big, big) && mul[1] === Math.imul(-big, 65537),
      powIsMathPow: Number.isNaN(pow[0]!) && Number.isNaN(pow[1]!) && pow[2] === 1,
    };
  });
}
