import { grad, type Tensor, type TensorSpec, trace } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { reptileDType } from './dtypes.ts';
import { compileForTfjs, type TfjsProgram } from './zero-copy.ts';

/** Programs kept per function (one per input signature; fit() sees two batch sizes at most). */
const MAX_SIGNATURES = 6;

interface Compiled {
  readonly value: TfjsProgram;
  readonly grad: TfjsProgram;
}

/**
 * A Reptile function of tfjs tensors that tfjs can differentiate, with Reptile's gradient
 * (tf.customGrad): the value and the vector-Jacobian product are each one compiled Reptile
 * program, so the gradient conventions of docs/ir.md (ties split evenly, abs'(0) = 0, clip
 * passes zero outside its range) hold in tfjs training exactly as in every other frontend.
 * Inputs not listed in `wrt` get zero gradients.
 */
export function differentiable(
  fn: (...inputs: Tensor[]) => Tensor,
  wrt: readonly number[],
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const cache = new Map<string, Compiled>();
  const compiled = (xs: readonly tf.Tensor[]): Compiled => {
    const key = `${tf.getBackend()}|${xs.map((x) => `${x.dtype}[${x.shape.join(',')}]`).join(';')}`;
    let entry = cache.get(key);
    if (entry) {
      cache.delete(key);
    } else {
      const specs: TensorSpec[] = xs.map((x, i) => ({
        name: `x${i}`,
        shape: [...x.shape],
        dtype: reptileDType(x.dtype, `input ${i}`),
      }));
      const valueGraph = trace(specs, (...ins) => [fn(...ins)]);
      const out = valueGraph.outputs[0]!;
      const gradGraph = trace(
        [...specs, { name: 'dy', shape: [...out.shape], dtype: out.dtype }],
        (...ins) => {
          const inputs = ins.slice(0, xs.length);
          return grad(
            fn(...inputs),
            wrt.map((i) => inputs[i]!),
            ins[xs.length]!,
          );
        },
      );
      entry = { value: compileForTfjs(valueGraph), grad: compileForTfjs(gradGraph) };
      if (cache.size >= MAX_SIGNATURES) {
        const [oldest, old] = cache.entries().next().value as [string, Compiled];
        old.value.dispose();
        old.grad.dispose();
        cache.delete(oldest);
      }
    }
    cache.set(key, entry);
    return entry;
  };
  const named = (xs: readonly tf.Tensor[]) => Object.fromEntries(xs.map((x, i) => [`x${i}`, x]));
  return (...inputs) => {
    const programs = compiled(inputs);
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const xs = args as tf.Tensor[];
      save(xs);
      const value = programs.value.run(named(xs)).output_0!;
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const g = programs.grad.run({ ...named(saved), dy });
          return saved.map((x, i) => {
            const k = wrt.indexOf(i);
            return k >= 0 ? g[`output_${k}`]! : tf.zerosLike(x);
          });
        },
      };
    });
    return op(...inputs);
  };
}
