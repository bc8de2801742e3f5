import { readFileSync } from 'node:fs';
import type { Tensor } from '@reptile/core';
import { INFERENCE } from '@reptile/layers';
import { decodeOnnxModel } from '@reptile/onnx';
import { describe, expect, it } from 'vitest';
import { buildPortable } from '../portable.ts';
import { exportedCase } from '../testing/torch-exported.ts';
import { liftOnnxModel } from './lift.ts';

function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.data() as Float32Array;
  const y = b.data() as Float32Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

function liftAndRun(name: 'mlp' | 'cnn' | 'cnn_folded' | 'lstm') {
  const c = exportedCase(name);
  const description = decodeOnnxModel(readFileSync(c.onnx), c.onnx);
  const portable = liftOnnxModel(description);
  const { model, weights } = buildPortable(portable, c.onnx);
  const out = model.apply(weights, c.input, INFERENCE) as Tensor;
  return { portable, out, expected: c.expected };
}

describe('lifting torch.onnx.export files to layers', () => {
  it('MLP: Gemm → Dense with kernels transposed to [in, out], activations fused', () => {
    const { portable, out, expected } = liftAndRun('mlp');
    const layers = (portable.config.layers as { className: string; config: { activation?: string } }[]).map(
      (l) => `${l.className}:${l.config.activation ?? ''}`,
    );
    expect(layers).toEqual(['Dense:relu', 'Dense:tanh', 'Dense:softmax']);
    expect(portable.weights['dense_1/kernel']!.shape).toEqual([12, 16]);
    expect(out.shape).toEqual(expected.shape);
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-5);
  });
});
