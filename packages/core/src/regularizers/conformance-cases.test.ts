import { describe, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import {
  expectWithin,
  readCases,
  type TensorJson,
  type ToleranceJson,
  tensorOf,
} from '../losses/case-files.ts';
import { regularizerFromConfig } from './index.ts';

interface RegularizerCase {
  name: string;
  regularizer: unknown;
  weights: TensorJson;
  expected: { value: TensorJson; grad: TensorJson };
  tolerance: ToleranceJson;
}

describe('regularizer conformance cases (oracle)', () => {
  it.each(readCases<RegularizerCase>('regularizers'))('$name', (c) => {
    const w = tensorOf(c.weights);
    const value = regularizerFromConfig(c.regularizer).penalty(w);
    const [g] = grad(value, [w]);
    expectWithin(value, c.expected.value, c.tolerance, 'value');
    expectWithin(g!, c.expected.grad, c.tolerance, 'grad');
  });
});
