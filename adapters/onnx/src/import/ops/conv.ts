import { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { Value } from '../value.ts';
import { type Geometry, geometry, padSpatial, poolSeparable, stackWindows } from './window.ts';

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/** Input i, which must be a float tensor laid out N, C, D1, ... */
export function floatInput(ctx: OpContext, i: number): Tensor {
  const t = ctx.tensor(i);
  if (t.dtype !== 'float32' && t.dtype !== 'float64')
    ctx.fail(`input ${i} must be float, got ${ctx.elem(i)}`);
  if (t.rank < 3) ctx.fail(`input ${i} must be N, C, D1.. (rank ≥ 3), got rank ${t.rank}`);
  return t;
}

/**
 * Conv: 2-D on the conv2d primitive (each frontend's native convolution); 1-D and 3-D as im2col
 * (the kernel-offset windows stacked, then one batched matmul per group).
 */
function conv(ctx: OpContext): Tensor {
  const x = floatInput(ctx, 0);
  const w = floatInput(ctx, 1);
  const c = x.shape[1]!;
  const m = w.shape[0]!;
  const group = ctx.int('group', 1);
  const kernel = ctx.intList('kernel_shape') ?? w.shape.slice(2);
  if (group < 1 || c % group !== 0 || m % group !== 0)
    ctx.fail(`group ${group} does not divide ${c} input / ${m} output channels`);
  if (w.shape[1] !== c / group)
    ctx.fail(`weight has ${w.shape[1]} input channels per group, expected ${c / group}`);
  if (kernel.length !== x.rank - 2 || kernel.some((k, i) => k !== w.shape[2 + i])) {
    ctx.fail(`kernel_shape [${kernel.join(',')}] does not match the weight [${w.shape.join(',')}]`);
  }
  const g = geometry(ctx, x.shape.slice(2), kernel);
  if (x.rank !== 4) return convCore(ctx, padSpatial(x, g, 0), w, g, group);
  // the conv2d primitive pads by itself, so no separate Pad
  ctx.guard([x.shape[0]!, w.shape[0]!, ...g.out]);
  const pads = [0, 1].map((i) => [g.begin[i]!, g.end[i]!] as const);
  return withBias(ctx, conv2dOf(x, w, g, group, [pads[0]!, pads[1]!]));
}

function conv2dOf(
  x: Tensor,
  w: Tensor,
  g: Geometry,
  group: number,
  pads: readonly [readonly [number, number], readonly [number, number]],
): Tensor {
  return x.conv2d(w, {
    strides: [g.strides[0]!, g.strides[1]!],
    dilations: [g.dilations[0]!, g.dilations[1]!],
    pads,
    groups: group,
  });
}

/** Adds the optional bias input (one value per output channel). */
function withBias(ctx: OpContext, y: Tensor): Tensor {
  if (!ctx.has(2)) return y;
  return y.add(ctx.tensor(2).reshape([1, y.shape[1]!, ...y.shape.slice(2).map(() => 1)]));
}

/**
 * The convolution of an already padded input: 2-D on the conv2d primitive, otherwise windows
 * stacked and one batched matmul per group.
 */
export function convCore(ctx: OpContext, padded: Tensor, w: Tensor, g: Geometry, group: number): Tensor {
  if (padded.rank === 4) {
    ctx.guard([padded.shape[0]!, w.shape[0]!, ...g.out]);
    return withBias(
      ctx,
      conv2dOf(padded, w, g, group, [
        [0, 0],
        [0, 0],
      ]),
    );
  }
  const [n, c] = padded.shape as [number, number];
  const m = w.shape[0]!;
  const kp = prod(g.kernel);
  const op = prod(g.out);
  ctx.guard([n, c, kp, op]);
  const patches = stackWindows(padded, g).reshape([n, group, (c / group) * kp, op]);
  const weights = w.reshape([1, group, m / group, (c / group) * kp]);
  return withBias(ctx, weights.matmul(patches).reshape([n, m, ...g.out]));
}

/**
 * MaxPool, and its optional Indices output: the flat index into the input (row-major, or
 * column-major over the spatial axes with storage_order 1) of the first maximum in each window.
 */
function maxPool(ctx: OpContext): Value[] {
  const x = ctx.tensor(0);
  const kernel = ctx.intList('kernel_shape') ?? ctx.fail('needs kernel_shape');
  if (kernel.length !== x.rank - 2) ctx.fail(`kernel_shape has ${kernel.length} entries for rank ${x.rank}`);
  const g = geometry(ctx, x.shape.slice(2), kernel);
  const k = prod(kernel);
  ctx.guard([...x.shape.slice(0, 2), k, ...g.out]);
  const low = x.dtype === 'int32' ? -(2 ** 31) : -Infinity;
  const padded = padSpatial(x, g, low);
  const out = [ctx.like(poolSeparable(padded, g, 'max'))];
  if (ctx.node.outputs[1]) {
    const stacked = stackWindows(padded, g);
    const spatial = x.shape.slice(2);
    const columnMajor = ctx.int('storage_order', 0) === 1;
    // Strides of the flat index: N, C, then spatial axes in the chosen order.
    const sp = prod(spatial);
    const strides = spatial.map((_, i) =>
      columnMajor ? prod(spatial.slice(0, i)) : prod(spatial.slice(i + 1)),
    );
    const flat = Array.from({ length: prod(x.shape) }, (_, f) => {
      let rest = f % sp;
      let idx = f - rest;
      for (let i = spatial.length - 1; i >= 0; i--) {
        idx += (rest % spatial[i]!) * strides[i]!;
        rest = Math.floor(rest / spatial[i]!);
      }
      return idx;
    });
    const index = Tensor.fromData(Int32Array.from(flat), x.shape, 'int32');
    const windowsOfIndex = stackWindows(padSpatial(index, g, 0), g);
    const arg = stacked.argMax(2).expandDims(2);
    const pick = arg.eq(Tensor.arange(k).reshape([1, 1, k, ...g.out.map(() => 1)]));
    out.push(Value.of(Tensor.where(pick, windowsOfIndex, 0).sum(2), 'int64', false));
  }
  return out;
}

function averagePool(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const kernel = ctx.intList('kernel_shape') ?? ctx.fail('needs kernel_shape');
  if (kernel.length !== x.rank - 2) ctx.fail(`kernel_shape has ${kernel.length} entries for rank ${x.rank}`);
  const g = geometry(ctx, x.shape.slice(2), kernel);
  ctx.guard([...x.shape.slice(0, 2), prod(kernel), ...g.out]);
  const sums = poolSeparable(padSpatial(x, g, 0), g, 'sum');
  // How many elements each window averages: explicit pads count only with count_include_pad;
  // ceil_mode's extra end padding never counts.
  const includePad = ctx.int('count_include_pad', 0) === 1;
  const ones = Tensor.ones([1, 1, ...x.shape.slice(2)], x.dtype);
  const counts = poolSeparable(padSpatial(ones, g, includePad ? 1 : 0, 0), g, 'sum');
  return sums.div(counts);
}

const globalPool =
  (fn: (x: Tensor, axes: number[]) => Tensor): OpImpl =>
  (ctx) => {
    const x = ctx.tensor(0);
    const axes = x.shape.map((_, i) => i).slice(2);
    return [fn(x, axes)];
  };

export const CONV_OPS: Record<string, OpImpl> = {
  Conv: (ctx) => [conv(ctx)],
  MaxPool: maxPool,
  AveragePool: (ctx) => [averagePool(ctx)],
  GlobalAveragePool: globalPool((x, axes) => x.mean(axes, true)),
  GlobalMaxPool: globalPool((x, axes) => x.max(axes, true)),
};
