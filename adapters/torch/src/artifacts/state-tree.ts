import { Tensor } from '../core.ts';

/**
 * Optimizer state is plain data: records and arrays of tensors and numbers. An artifact needs its
 * tensors as a flat list (module arguments and results) with stable names, and the value rebuilt
 * around replacements. (The ONNX adapter has the same helper; it belongs in core — see report.)
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
    } else if (typeof v === 'object' && v !== null)
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
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
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, walk(x)]));
    }
    return v;
  };
  const out = walk(value);
  if (k !== replacements.length)
    throw new Error(`internal: state has ${k} tensors, got ${replacements.length}`);
  return out;
}

/** The state's non-tensor content as text, to check it does not change between steps. */
export function stateSkeleton(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Tensor ? `<${v.dtype}[${v.shape.join(',')}]>` : v,
  );
}
