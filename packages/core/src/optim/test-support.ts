import { materialize, Tensor } from '../tensor/tensor.ts';

/**
 * Test helper (not exported from the package): realises params and every tensor inside a state
 * value in one backend run and returns constant copies, as a frontend does after each step.
 * Without it a long loop would rebuild the whole history graph of m, v, ... on every step.
 */
export function settle<S>(params: readonly Tensor[], state: S): { params: Tensor[]; state: S } {
  const found: Tensor[] = [];
  walk(state, (t) => {
    found.push(t);
    return t;
  });
  const done = materialize([...params, ...found]);
  let i = params.length;
  return { params: done.slice(0, params.length), state: walk(state, () => done[i++]!) as S };
}

function walk(value: unknown, fn: (t: Tensor) => Tensor): unknown {
  if (value instanceof Tensor) return fn(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, fn));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, fn)]));
  }
  return value;
}

/** The raw bytes of a tensor's value, for bit-for-bit comparisons (distinguishes −0 and NaNs). */
export function bits(t: Tensor): number[] {
  return Array.from(new Uint8Array(t.data().slice().buffer));
}
