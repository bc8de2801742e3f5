import { type DType, fail, type Shape, sizeOf, Tensor } from '@reptile/core';
import { Random } from './random.ts';

/** Initial weight values; serialisable by name so a saved model config rebuilds the same init. */
export const INITIALIZERS = ['glorotUniform', 'heNormal', 'zeros', 'ones'] as const;
export type InitializerName = (typeof INITIALIZERS)[number];

export function checkInitializer(name: unknown, where: string): InitializerName {
  if (typeof name !== 'string' || !(INITIALIZERS as readonly string[]).includes(name)) {
    fail(`unknown initializer ${JSON.stringify(name)}`, {
      where,
      hint: `use one of ${INITIALIZERS.map((a) => `'${a}'`).join(', ')}`,
    });
  }
  return name as InitializerName;
}

/**
 * Fan-in and fan-out as Keras computes them: a [in, out] kernel has fans in and out; a conv
 * kernel [...receptive, in, out] multiplies both by the receptive field size.
 */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** Draws a tensor from `name`'s distribution with the given seed (deterministic). */
export function initialize(name: InitializerName, shape: Shape, dtype: DType, seed: number): Tensor {
  const n = sizeOf(shape);
  switch (name) {
    case 'zeros':
      return Tensor.fromData(new Float64Array(n), shape, dtype);
    case 'ones':
      return Tensor.fromData(new Float64Array(n).fill(1), shape, dtype);
    case 'glorotUniform': {
      // Glorot & Bengio 2010: U(−l, l) with l = sqrt(6 / (fanIn + fanOut)) keeps the variance of
      // activations and gradients about equal across layers.
      const { fanIn, fanOut } = fans(shape);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const r = new Random(seed);
      return Tensor.fromData(
        Float64Array.from({ length: n }, () => (2 * r.next() - 1) * limit),
        shape,
        dtype,
      );
    }
    case 'heNormal': {
      // He et al. 2015: N(0, 2/fanIn) for ReLU layers (Keras truncates; we do not, as torch).
      const { fanIn } = fans(shape);
      const r = new Random(seed);
      const std = Math.sqrt(2 / fanIn);
      return Tensor.fromData(
        Float64Array.from({ length: n }, () => r.normal() * std),
        shape,
        dtype,
      );
    }
  }
}
