import { describe, it } from 'vitest';
import { grad } from '../autodiff/grad.ts';
import { expectWithin, readCases, type TensorJson, type ToleranceJson, tensorOf } from './case-files.ts';
import { lossFromConfig } from './index.ts';

interface LossCase {
  name: string;
  loss: unknown;
  yTrue: TensorJson;
  yPred: TensorJson;
  expected: { value: TensorJson; gradYPred: TensorJson };
  tolerance: ToleranceJson;
}

describe('loss conformance cases (PyTorch / Keras oracle)', () => {
  it.each(readCases<LossCase>('losses'))('$name', (c) => {
    const yTrue = tensorOf(c.yTrue);
    const yPred = tensorOf(c.yPred);
    const value = lossFromConfig(c.loss).compute(yTrue, yPred);
    // For reduction 'none' the gradient is that of the sum of the unreduced values.
    const [g] = grad(value.sum(), [yPred]);
    expectWithin(value, c.expected.value, c.tolerance, 'value');
    expectWithin(g!, c.expected.gradYPred, c.tolerance, 'gradYPred');
  });
});
