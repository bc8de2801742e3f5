import { grad, ops, Tensor } from '@reptile/core';
import { describe, it } from 'vitest';
import { OnnxBackend } from '../runtime/backend.ts';
import { expectSame, reference, runOn } from '../testing/compare.ts';

/**
 * Composite ops are primitives once traced, but their numerically delicate forms (shifted
 * logSumExp, saturating sigmoid, −∞ rows) are worth checking end to end, with their gradients.
 * Keyed by the composite's name, so a new composite without a case is a type error.
 */
type Composite = keyof typeof ops;

const X = [-30, -2.5, -1, -0, 0, 0.5, 1, 3, 20, 90];
const x = () => Tensor.fromData(X, [2, 5]);
const rows = () => Tensor.fromData([1, 2, 3, -Infinity, -Infinity, -Infinity, 1000, -1000, 0], [3, 3]);

const CASES: Record<Composite, { input: () => Tensor; fn: (t: Tensor) => Tensor }> = {
  square: { input: x, fn: (t) => ops.square(t) },
  reciprocal: { input: x, fn: (t) => ops.reciprocal(t) },
  clip: { input: x, fn: (t) => ops.clip(t, -1, 2) },
  relu: { input: x, fn: (t) => ops.relu(t) },
  sigmoid: { input: x, fn: (t) => ops.sigmoid(t) },
  tanh: { input: x, fn: (t) => ops.tanh(t) },
  softplus: { input: x, fn: (t) => ops.softplus(t) },
  logSumExp: { input: rows, fn: (t) => ops.logSumExp(t, -1) },
  logSoftmax: { input: rows, fn: (t) => ops.logSoftmax(t, 1) },
  softmax: { input: rows, fn: (t) => ops.softmax(t) },
  oneHot: { input: () => Tensor.fromData([0, 2, 1, 3], [4], 'int32'), fn: (t) => ops.oneHot(t, 3) },
  norm: { input: x, fn: (t) => ops.norm(t, 1) },
  variance: { input: x, fn: (t) => ops.variance(t, [0, 1]) },
  leakyRelu: { input: x, fn: (t) => ops.leakyRelu(t, 0.1) },
  elu: { input: x, fn: (t) => ops.elu(t, 1.5) },
  insertZeros: { input: x, fn: (t) => ops.insertZeros(t, 1, 3) },
};

// exp/log inside run as float32 kernels in onnxruntime: allow a few ulps, compounded
const ULPS = 8;

describe('composite ops on ONNX: value and gradient match the reference', () => {
  const onnx = new OnnxBackend();
  for (const [name, { input, fn }] of Object.entries(CASES)) {
    it(name, () => {
      const program = () => {
        const t = input();
        const y = fn(t);
        if (t.dtype !== 'float32') return [y];
        // a weighted sum reaches every input element with a different cotangent
        const w = Tensor.fromData(
          Array.from({ length: y.size }, (_, i) => 1 + i * 0.25),
          y.shape,
        );
        return [y, ...grad(y.mul(w).sum(), [t])];
      };
      const want = runOn(program, reference);
      runOn(program, onnx).forEach((g, i) => {
        expectSame(g, want[i]!, `${name} #${i}`, ULPS);
      });
    });
  }
});
