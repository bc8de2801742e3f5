import { type Backend, fail, type Node, type TypedArray } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTfStorage, tfDType, toTfStorage } from './dtypes.ts';
import { Plan } from './plan.ts';

/**
 * Reptile's tensor protocol on whatever backend tfjs is running (cpu, wasm, webgl, webgpu,
 * tfjs-node): `setBackend(new TfjsBackend())` makes every `Tensor.data()` run as tfjs kernels.
 * Host values cross in and out on every run; code that already holds tfjs tensors should use
 * `toTfjs` (zero-copy) instead.
 */
export class TfjsBackend implements Backend {
  get name(): string {
    return `tfjs-${tf.getBackend()}`;
  }

  run(outputs: readonly Node[], bindings?: ReadonlyMap<Node, TypedArray>): TypedArray[] {
    const plan = new Plan(outputs);
    const uploaded = new Map<Node, tf.Tensor>();
    try {
      for (const n of plan.deviceInputs) {
        const data = bindings?.get(n);
        if (!data) {
          const name = n.op.kind === 'input' ? n.op.name : `#${n.id}`;
          fail(`graph input '${name}' was not given a value`, {
            where: 'tfjs backend',
            hint: 'bind every placeholder when running a traced graph',
          });
        }
        if (data.length !== n.size) {
          fail(`input has ${data.length} values, shape [${n.shape.join(',')}] needs ${n.size}`, {
            where: 'tfjs backend',
          });
        }
        uploaded.set(n, tf.tensor(toTfStorage(data, n.dtype), [...n.shape], tfDType(n.dtype)));
      }
      const results = plan.run(plan.deviceInputs.map((n) => uploaded.get(n)!));
      try {
        return results.map((t, i) => fromTfStorage(t.dataSync(), outputs[i]!.dtype));
      } finally {
        tf.dispose(results);
      }
    } finally {
      tf.dispose([...uploaded.values()]);
    }
  }
}
