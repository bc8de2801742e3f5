import { convGeometry, convWithGradients } from '@reptile/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DType, type Tensor, type TypedArray, trace } from '../core.ts';
import { difference, runOnReference, runOnTorch, testWorker } from '../testing/harness.ts';

/**
 * The conv2d lowering (torch.conv2d, with an explicit pad when the pads are asymmetric) against
 * the reference backend over random geometries, forward and both gradients, float32 and
 * float64. All cases go into one traced graph, so the suite costs one TorchScript load. Operands
 * are small multiples of 1/4, so every summation order is exact and the comparison is bit for bit.
 */
const CASES = fc.sample(fc.tuple(convGeometry, fc.constantFrom<DType>('float32', 'float64')), {
  numRuns: 40,
  seed: 20261129,
});

const graph = trace([], () => {
  const outs: Record<string, Tensor> = {};
  CASES.forEach(([g, dtype], k) => {
    const [y, dx, dw] = convWithGradients(g, dtype);
    outs[`y${k}`] = y;
    outs[`dx${k}`] = dx;
    outs[`dw${k}`] = dw;
  });
  return outs;
});

const worker = testWorker();
afterAll(() => worker.close());

describe('conv2d lowering on TorchScript', () => {
  let torchOut: TypedArray[] = [];
  beforeAll(async () => {
    torchOut = await runOnTorch(worker, graph, []);
  });
  const want = runOnReference(graph, []);

  it(`forward and both gradients equal the reference bit for bit over ${CASES.length} random geometries`, () => {
    expect(torchOut.length).toBe(want.length);
    want.forEach((w, i) => {
      const g = CASES[Math.floor(i / 3)]!;
      expect(difference(torchOut[i]!, w), `output ${i % 3} of ${JSON.stringify(g)}`).toBeUndefined();
    });
  });
});
