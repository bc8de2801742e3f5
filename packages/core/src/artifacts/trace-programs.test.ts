import { describe, expect, it } from 'vitest';
import { runGraph } from '../tensor/trace.ts';
import { traceLoss, traceRegularizer } from './loss.ts';
import { traceOptimizerStep } from './optimizer-step.ts';
import { programGraph } from './program.ts';
import { traceTrainStep } from './train-step.ts';

const f32 = (...v: number[]) => Float32Array.from(v);
const f64 = (...v: number[]) => Float64Array.from(v);

describe('traced programs', () => {
  it('optimizer step: documented names, and SGD momentum by hand', () => {
    const { program, stateNames } = traceOptimizerStep({ name: 'sgd', lr: 0.1, momentum: 0.9 }, [
      { name: 'w', shape: [2] },
    ]);
    expect(stateNames).toHaveLength(1);
    expect(program.inputs.map((i) => i.name)).toEqual(['params.w', 'grads.w', stateNames[0], 'step', 'lr']);
    expect(program.outputs.map((o) => o.name)).toEqual(['new_params.w', `new_${stateNames[0]}`]);
    // Step 2 with buffer b: b' = 0.9·b + g = [1.4, -0.1]; p' = p − 0.1·b' = [0.86, 2.01].
    const [p, b] = runGraph(programGraph(program), [f32(1, 2), f32(0.5, -1), f32(1, 1), f64(2), f64(0.1)]);
    expect([...b!].map((v) => Number(v.toFixed(5)))).toEqual([1.4, -0.1]);
    expect([...p!].map((v) => Number(v.toFixed(5)))).toEqual([0.86, 2.01]);
  });

  it('rejects bad names with the field path', () => {
    expect(() => traceOptimizerStep({ name: 'sgd', lr: 0.1 }, [{ name: '1x', shape: [1] }])).toThrow(
      /not a valid tensor name/,
    );
  });

  it('loss: mse value and gradient of y_pred', () => {
    const { program } = traceLoss({ name: 'mse' }, { shape: [2] }, { shape: [2] });
    expect(program.inputs.map((i) => i.name)).toEqual(['y_true', 'y_pred']);
    // mean((2−1)², (4−2)²) = 2.5; d/dp = 2(p − t)/2 = [1, 2].
    const [loss, g] = runGraph(programGraph(program), [f32(1, 2), f32(2, 4)]);
    expect(loss![0]).toBeCloseTo(2.5, 6);
    expect([...g!]).toEqual([1, 2]);
  });

  it('regularizer: l2·Σw² and its gradient 2·l2·w', () => {
    const { program } = traceRegularizer({ name: 'l2', l2: 0.5 }, { shape: [2] });
    expect(program.inputs.map((i) => i.name)).toEqual(['weights']);
    expect(program.outputs.map((o) => o.name)).toEqual(['penalty', 'grad_weights']);
    // 0.5·(1 + 9) = 5; gradient [1, −3].
    const [penalty, g] = runGraph(programGraph(program), [f32(1, -3)]);
    expect(penalty![0]).toBeCloseTo(5, 6);
    expect([...g!]).toEqual([1, -3]);
  });

  it('train step: plain SGD on y = w·x with mse, by hand', () => {
    const { program, stateNames } = traceTrainStep({
      params: [{ name: 'w', shape: [1] }],
      x: { shape: [2] },
      y: { shape: [2] },
      forward: ([w], x) => x.mul(w!),
      loss: { name: 'mse' },
      optimizer: { name: 'sgd', lr: 0.5 },
    });
    expect(stateNames).toEqual([]);
    expect(program.inputs.map((i) => i.name)).toEqual(['params.w', 'x', 'y', 'step', 'lr']);
    expect(program.outputs.map((o) => o.name)).toEqual(['new_params.w', 'loss']);
    // w=1, x=[1,2], y=[2,4]: loss = mean(1, 4) = 2.5; dL/dw = mean(2(wx−y)x) = (−2 − 8)/2 = −5;
    // w' = 1 − 0.5·(−5) = 3.5.
    const [w, loss] = runGraph(programGraph(program), [f32(1), f32(1, 2), f32(2, 4), f64(1), f64(0.5)]);
    expect(loss![0]).toBeCloseTo(2.5, 6);
    expect(w![0]).toBeCloseTo(3.5, 6);
  });
});
