import { ops, Tensor, trace } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_BACKENDS, useBackend } from './testing.ts';
import { compileForTfjs, fromTfjs, toTfjs } from './zero-copy.ts';

describe.each(TEST_BACKENDS)('zero-copy Reptile programs on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('evaluates Reptile ops on tfjs tensors and variables, returning tensors the caller owns', () => {
    const x = tf.tensor2d([1, -2, 3, -4], [2, 2]);
    const v = tf.variable(tf.tensor1d([10, 20]));
    const before = tf.memory().numTensors;
    const [relu, sum] = toTfjs([ops.relu(fromTfjs(x)).add(fromTfjs(v)), fromTfjs(x).sum()]);
    expect(Array.from(relu!.dataSync())).toEqual([11, 20, 13, 20]);
    expect(sum!.dataSync()[0]).toBe(-2);
    expect(tf.memory().numTensors).toBe(before + 2);
    // an output that is an input is a new handle: disposing it leaves the input alive
    const [same] = toTfjs([fromTfjs(x)]);
    same!.dispose();
    expect(x.isDisposed).toBe(false);
    tf.dispose([x, v, relu!, sum!]);
  });

  it('refuses placeholders that are not bound to tfjs tensors', () => {
    expect(() => toTfjs([Tensor.placeholder('free', [2]).add(1)])).toThrow(/placeholder 'free' is not bound/);
  });

  it('compiles a traced graph once and runs it with tensors and host numbers', () => {
    const graph = trace(
      [
        { name: 'p', shape: [3], dtype: 'float32' },
        { name: 'g', shape: [3], dtype: 'float32' },
        { name: 'lr', shape: [], dtype: 'float64' },
      ],
      (p, g, lr) => [p!.sub(g!.mul(lr!.cast('float32')))],
    );
    const program = compileForTfjs(graph, { hostInputs: ['lr'] });
    const p = tf.tensor1d([1, 2, 3]);
    const g = tf.tensor1d([1, 1, 1]);
    const start = tf.memory().numTensors;
    for (const lr of [0.5, 0.25, 0.25]) {
      const out = program.run({ p, g, lr }).output_0!;
      expect(Array.from(out.dataSync())).toEqual([1 - lr, 2 - lr, 3 - lr]);
      out.dispose();
    }
    // kept: the uploaded scalar for the current lr (static constants would be kept too)
    expect(tf.memory().numTensors - start).toBeLessThanOrEqual(1);
    expect(() => program.run({ p, g })).toThrow(/input 'lr' is missing/);
    expect(() => program.run({ p, g, lr: 1, q: 2 })).toThrow(/the graph has no input 'q'/);
    const short = tf.tensor1d([1, 2]);
    expect(() => program.run({ p: short, g, lr: 1 })).toThrow(
      /input 'p' is a tfjs float32\[2\] tensor, the graph needs float32\[3\]/,
    );
    short.dispose();
    program.dispose();
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([p, g]);
  });
});
