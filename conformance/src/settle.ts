import { materialize, Tensor } from './core.ts';

/**
 * Realises every tensor inside a plain value (arrays and plain objects, e.g. optimizer state) in
 * one backend run and swaps in constants. Done after each training step so lazy graphs — and the
 * memory they pin — do not grow with the number of steps.
 */
export function settle<T>(value: T): T {
  const found: Tensor[] = [];
  collect(value, found);
  const constants = new Map<Tensor, Tensor>();
  materialize(found).forEach((c, i) => {
    constants.set(found[i]!, c);
  });
  return rebuild(value, constants) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function collect(value: unknown, out: Tensor[]): void {
  if (value instanceof Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (isPlainObject(value)) for (const v of Object.values(value)) collect(v, out);
}

function rebuild(value: unknown, constants: ReadonlyMap<Tensor, Tensor>): unknown {
  if (value instanceof Tensor) return constants.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => rebuild(v, constants));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = rebuild(v, constants);
    return Object.isFrozen(value) ? Object.freeze(out) : out;
  }
  return value;
}
