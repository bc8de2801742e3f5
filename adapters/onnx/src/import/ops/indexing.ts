import { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { Value } from '../value.ts';
import { sliceAxis, strided, takeDynamic, takeStatic, wrapIndices } from './take.ts';

/** Indices a Slice with this start/end/step visits on an axis of length d (ONNX clamping rules). */
export function sliceIndices(d: number, start: number, end: number, step: number): number[] {
  const norm = (v: number) => (v < 0 ? v + d : v);
  const out: number[] = [];
  if (step > 0) {
    const s = Math.min(Math.max(norm(start), 0), d);
    const e = Math.min(Math.max(norm(end), 0), d);
    for (let i = s; i < e; i += step) out.push(i);
  } else {
    const s = Math.min(Math.max(norm(start), -1), d - 1);
    const e = Math.min(Math.max(norm(end), -1), d - 1);
    for (let i = s; i > e; i += step) out.push(i);
  }
  return out;
}

function slice(ctx: OpContext): Tensor {
  let x = ctx.tensor(0);
  const old = ctx.opset < 10;
  const starts = (old ? ctx.intList('starts') : ctx.ints(1)) ?? ctx.fail('needs starts');
  const ends = (old ? ctx.intList('ends') : ctx.ints(2)) ?? ctx.fail('needs ends');
  const axes = (old ? ctx.intList('axes') : ctx.ints(3)) ?? starts.map((_, i) => i);
  const steps = (old ? undefined : ctx.ints(4)) ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    ctx.fail('starts, ends, axes and steps must have the same length');
  }
  axes.forEach((a, i) => {
    const axis = ctx.axis(a, x.rank);
    const step = steps[i]!;
    if (step === 0) ctx.fail('a step is 0');
    const d = x.shape[axis]!;
    const idx = sliceIndices(d, starts[i]!, ends[i]!, step);
    if (step > 0 && idx.length > 0) x = strided(x, axis, idx[0]!, idx.length, step);
    else x = takeStatic(x, axis, idx);
  });
  return x;
}

/** Source index along one axis for an output position of a non-constant Pad mode. */
function padSource(mode: string, i: number, d: number): number {
  if (mode === 'edge') return Math.min(Math.max(i, 0), d - 1);
  if (mode === 'wrap') return ((i % d) + d) % d;
  // reflect: mirror without repeating the edge element
  if (d === 1) return 0;
  const period = 2 * (d - 1);
  const m = ((i % period) + period) % period;
  return m < d ? m : period - m;
}

function pad(ctx: OpContext): Tensor {
  let x = ctx.tensor(0);
  const old = ctx.opset < 11;
  const padsRaw = (old ? ctx.intList('pads') : ctx.ints(1)) ?? ctx.fail('needs pads');
  const mode = ctx.string('mode', 'constant');
  const value = old ? ctx.float('value', 0) : (ctx.numbers(2)?.[0] ?? 0);
  const axes = (old ? undefined : ctx.ints(3))?.map((a) => ctx.axis(a, x.rank)) ?? x.shape.map((_, i) => i);
  if (padsRaw.length !== 2 * axes.length)
    ctx.fail(`pads has ${padsRaw.length} entries, expected ${2 * axes.length}`);
  const lo = x.shape.map(() => 0);
  const hi = x.shape.map(() => 0);
  axes.forEach((a, i) => {
    lo[a] = padsRaw[i]!;
    hi[a] = padsRaw[i + axes.length]!;
  });
  ctx.guard(x.shape.map((d, i) => Math.max(0, d + lo[i]! + hi[i]!)));
  // Negative pads crop first.
  x.shape.forEach((d, i) => {
    if (lo[i]! < 0 || hi[i]! < 0) {
      x = sliceAxis(x, i, Math.max(0, -lo[i]!), d - Math.max(0, -hi[i]!));
      lo[i] = Math.max(0, lo[i]!);
      hi[i] = Math.max(0, hi[i]!);
    }
  });
  if (mode === 'constant')
    return x.pad(
      x.shape.map((_, i) => [lo[i]!, hi[i]!] as const),
      value,
    );
  if (mode !== 'edge' && mode !== 'reflect' && mode !== 'wrap') ctx.fail(`mode '${mode}' is not supported`);
  for (let a = 0; a < x.rank; a++) {
    if (lo[a] === 0 && hi[a] === 0) continue;
    const d = x.shape[a]!;
    if (d === 0) ctx.fail(`cannot ${mode}-pad an empty axis`);
    const idx = Array.from({ length: d + lo[a]! + hi[a]! }, (_, k) => padSource(mode, k - lo[a]!, d));
    x = takeStatic(x, a, idx);
  }
  return x;
}

function gather(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const axis = ctx.axis(ctx.int('axis', 0), x.rank);
  const d = x.shape[axis]!;
  const iv = ctx.value(1);
  ctx.guard([...x.shape.slice(0, axis), ...iv.shape, ...x.shape.slice(axis + 1)]);
  if (!iv.dynamic) {
    const idx = iv.numbers(`${ctx.where}: indices`).map((i) => {
      if (i < -d || i >= d) ctx.fail(`index ${i} is out of range for axis of size ${d}`);
      return i < 0 ? i + d : i;
    });
    const flat = takeStatic(x, axis, idx);
    return flat.reshape([...x.shape.slice(0, axis), ...iv.shape, ...x.shape.slice(axis + 1)]);
  }
  ctx.guard([d, ...iv.shape, ...x.shape]);
  return takeDynamic(x, axis, wrapIndices(iv.tensor(ctx.where).cast('int32'), d));
}

function gatherElements(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const idx = ctx.tensor(1).cast('int32');
  const axis = ctx.axis(ctx.int('axis', 0), x.rank);
  if (idx.rank !== x.rank) ctx.fail('indices must have the rank of data');
  const d = x.shape[axis]!;
  ctx.guard([...idx.shape, d]);
  // Data restricted to the index tensor's extent on every other axis, gathered axis moved last.
  const data = x.slice(
    x.shape.map(() => 0),
    x.shape.map((s, i) => (i === axis ? s : idx.shape[i]!)),
  );
  const perm = [...x.shape.keys()].filter((i) => i !== axis).concat(axis);
  const moved = data.transpose(perm);
  const inv = perm.map((_, i) => perm.indexOf(i));
  const idxMoved = wrapIndices(idx, d).transpose(perm);
  const mask = idxMoved.expandDims(-1).eq(Tensor.arange(d).reshape([...idxMoved.shape.map(() => 1), d]));
  const values = moved.expandDims(-2);
  const asInt = x.dtype === 'bool' ? values.cast('int32') : values;
  let out = Tensor.where(mask, asInt, 0).sum(-1);
  if (x.dtype === 'bool') out = out.cast('bool');
  return out.transpose(inv);
}

function oneHot(ctx: OpContext): Value {
  const idx = ctx.tensor(0);
  const depth = ctx.numbers(1)?.[0] ?? ctx.fail('needs depth');
  if (!Number.isFinite(depth) || depth < 1) ctx.fail(`depth ${depth} must be ≥ 1`);
  const n = Math.trunc(depth);
  const values = ctx.value(2);
  const vt = values.tensor(ctx.where);
  const off = vt.slice([0], [1]).reshape([]);
  const on = vt.slice([1], [2]).reshape([]);
  const axis = ctx.axis(ctx.int('axis', -1), idx.rank + 1);
  ctx.guard([...idx.shape, n]);
  const asInt = idx.dtype === 'int32' ? idx : idx.floor().cast('int32');
  const wrapped = wrapIndices(asInt, n).expandDims(axis);
  const range = Tensor.arange(n).reshape(wrapped.shape.map((_, i) => (i === axis ? n : 1)));
  return Value.of(Tensor.where(wrapped.eq(range), on, off), values.elem, false);
}

export const INDEXING_OPS: Record<string, OpImpl> = {
  Slice: (ctx) => [ctx.like(slice(ctx))],
  Pad: (ctx) => [ctx.like(pad(ctx))],
  Gather: (ctx) => [ctx.like(gather(ctx))],
  GatherElements: (ctx) => [ctx.like(gatherElements(ctx))],
  OneHot: (ctx) => [oneHot(ctx)],
};
