import { Tensor } from '@reptile/core';

/**
 * The tensors inside a plain state value and a function rebuilding the value around
 * replacements, so optimizer state is realised in the same backend run as the new parameters.
 */
export function collectTensors(value: unknown): {
  tensors: Tensor[];
  rebuild: (replacements: readonly Tensor[]) => unknown;
} {
  const tensors: Tensor[] = [];
  const collect = (v: unknown): void => {
    if (v instanceof Tensor) tensors.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
  };
  collect(value);
  const rebuild = (replacements: readonly Tensor[]): unknown => {
    let k = 0;
    const walk = (v: unknown): unknown => {
      if (v instanceof Tensor) return replacements[k++];
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v === 'object' && v !== null)
        return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, walk(x)]));
      return v;
    };
    return walk(value);
  };
  return { tensors, rebuild };
}
