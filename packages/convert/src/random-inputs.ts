import { fail, Tensor } from '@reptile/core';
import type { ModelInput } from './open.ts';
import type { PortableModel } from './portable.ts';

/** mulberry32: a tiny seeded generator, so verification inputs are reproducible from --seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random inputs for verifying a conversion: floats uniform in [−1, 1); integer inputs (indices)
 * uniform over the smallest table an Embedding reading that input has, else {0, 1}.
 */
export function randomInputs(
  inputs: readonly ModelInput[],
  batch: number,
  seed: number,
  portable?: PortableModel,
): Tensor[] {
  const next = generator(seed);
  return inputs.map((input, k) => {
    const shape = input.shape.map(
      (d, i) =>
        d ?? (i === 0 ? batch : fail(`input '${input.name}' has a free dimension ${i}`, { where: 'verify' })),
    );
    if (shape[0] !== batch && input.shape[0] === undefined) shape[0] = batch;
    const size = shape.reduce((a, b) => a * b, 1);
    if (input.dtype === 'int32') {
      const limit = embeddingRange(portable, k) ?? 2;
      return Tensor.fromData(
        Int32Array.from({ length: size }, () => Math.floor(next() * limit)),
        shape,
        'int32',
      );
    }
    return Tensor.fromData(
      Float32Array.from({ length: size }, () => next() * 2 - 1),
      shape,
      'float32',
    );
  });
}

function embeddingRange(portable: PortableModel | undefined, inputIndex: number): number | undefined {
  const config = portable?.config as
    | {
        inputs?: { name: string }[];
        layers?: { className: string; config: { inputDim?: number }; inbound: string[] }[];
      }
    | undefined;
  const name = config?.inputs?.[inputIndex]?.name;
  const dims = (config?.layers ?? [])
    .filter((l) => l.className === 'Embedding' && l.inbound.includes(name ?? ''))
    .map((l) => l.config.inputDim ?? Number.POSITIVE_INFINITY);
  return dims.length > 0 ? Math.min(...dims) : undefined;
}
