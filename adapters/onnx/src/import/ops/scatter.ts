import { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { takeStatic } from './take.ts';

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * Writes update rows into data at positions known before running: the updates are gathered to
 * every position (a static gather) and a constant mask picks them over the data. Later updates
 * to the same position win, as in ONNX's reference.
 */
function place(
  data: Tensor,
  rows: number,
  rest: readonly number[],
  updates: Tensor,
  source: Int32Array,
): Tensor {
  const flat = data.reshape([rows, ...rest]);
  const mask = Uint8Array.from(source, (s) => (s >= 0 ? 1 : 0));
  const gathered = takeStatic(
    updates,
    0,
    Array.from(source, (s) => Math.max(s, 0)),
  );
  const m = Tensor.fromData(mask, [rows, ...rest.map(() => 1)], 'bool');
  return Tensor.where(m, gathered, flat).reshape(data.shape);
}

function checkReduction(ctx: OpContext): void {
  const reduction = ctx.string('reduction', 'none');
  if (reduction !== 'none') ctx.fail(`reduction '${reduction}' is not supported (only none)`);
}

function scatterND(ctx: OpContext): Tensor {
  checkReduction(ctx);
  const data = ctx.tensor(0);
  const indices = ctx.value(1);
  const updates = ctx.tensor(2);
  const k = indices.shape[indices.shape.length - 1] ?? 0;
  if (k < 1 || k > data.rank) ctx.fail(`index depth ${k} does not fit data of rank ${data.rank}`);
  const lead = data.shape.slice(0, k);
  const rest = data.shape.slice(k);
  const idx = ctx.ints(1) ?? ctx.fail('needs indices');
  const count = idx.length / k;
  const source = new Int32Array(prod(lead)).fill(-1);
  for (let u = 0; u < count; u++) {
    let flat = 0;
    for (let j = 0; j < k; j++) {
      const d = lead[j]!;
      const v = idx[u * k + j]!;
      if (v < -d || v >= d) ctx.fail(`index ${v} is out of range for axis ${j} of size ${d}`);
      flat = flat * d + (v < 0 ? v + d : v);
    }
    source[flat] = u;
  }
  ctx.guard([prod(lead), ...rest]);
  return place(data, prod(lead), rest, updates.reshape([count, ...rest]), source);
}

function scatterElements(ctx: OpContext): Tensor {
  checkReduction(ctx);
  const data = ctx.tensor(0);
  const indices = ctx.value(1);
  const updates = ctx.tensor(2);
  const axis = ctx.axis(ctx.int('axis', 0), data.rank);
  const idx = ctx.ints(1) ?? ctx.fail('needs indices');
  const shape = indices.shape;
  if (shape.length !== data.rank) ctx.fail('indices must have the rank of data');
  const strides = data.shape.map((_, i) => prod(data.shape.slice(i + 1)));
  const source = new Int32Array(data.size).fill(-1);
  const coord = shape.map(() => 0);
  for (let u = 0; u < idx.length; u++) {
    let rem = u;
    for (let i = shape.length - 1; i >= 0; i--) {
      coord[i] = rem % shape[i]!;
      rem = Math.floor(rem / shape[i]!);
    }
    const d = data.shape[axis]!;
    const v = idx[u]!;
    if (v < -d || v >= d) ctx.fail(`index ${v} is out of range for axis ${axis} of size ${d}`);
    const target = coord.reduce((acc, c, i) => acc + (i === axis ? (v < 0 ? v + d : v) : c) * strides[i]!, 0);
    source[target] = u;
  }
  return place(data, data.size, [], updates.reshape([updates.size]), source);
}

export const SCATTER_OPS: Record<string, OpImpl> = {
  ScatterND: (ctx) => [ctx.like(scatterND(ctx))],
  ScatterElements: (ctx) => [ctx.like(scatterElements(ctx))],
};
