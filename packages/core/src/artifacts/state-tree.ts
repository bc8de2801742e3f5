import { Tensor } from '../tensor/tensor.ts';

/**
 * Optimizer state is plain data: records and arrays of tensors and numbers. Realising it in one
 * backend run, or tracing a step over it (graph inputs and outputs), needs its tensors as a flat
 * list with stable names and the value rebuilt around replacements afterwards. Every frontend and
 * core's Trainer walk state through these, so the order is the same everywhere.
 */
export interface StateLeaf {
  /** Dotted path inside the state, e.g. "1.m.0" (chain entry 1, field m, param 0). */
  readonly path: string;
  readonly tensor: Tensor;
}

export function flattenState(value: unknown): StateLeaf[] {
  const leaves: StateLeaf[] = [];
  const walk = (v: unknown, path: readonly string[]): void => {
    if (v instanceof Tensor) leaves.push({ path: path.join('.'), tensor: v });
    else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, [...path, String(i)]);
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    }
  };
  walk(value, []);
  return leaves;
}

/** The state with its tensors replaced, in flattenState order. */
export function rebuildState(value: unknown, replacements: readonly Tensor[]): unknown {
  let k = 0;
  const walk = (v: unknown): unknown => {
    if (v instanceof Tensor) return replacements[k++];
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, walk(x)]));
    return v;
  };
  const out = walk(value);
  if (k !== replacements.length)
    throw new Error(`internal: state has ${k} tensors, got ${replacements.length}`);
  return out;
}

/** The state's tensors and a function rebuilding the state around replacements for them. */
export function flattenTensors(value: unknown): {
  tensors: Tensor[];
  rebuild: (replacements: readonly Tensor[]) => unknown;
} {
  return {
    tensors: flattenState(value).map((l) => l.tensor),
    rebuild: (replacements) => rebuildState(value, replacements),
  };
}

/** The state's non-tensor content (numbers, strings, structure) as text, to check it is step-invariant. */
export function stateSkeleton(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Tensor ? `<${v.dtype}[${v.shape.join(',')}]>` : v,
  );
}
