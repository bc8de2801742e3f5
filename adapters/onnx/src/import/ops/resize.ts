import { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { takeStatic } from './take.ts';

/** Input coordinate of output index `o` on an axis resized from `d` to `out` by `scale`. */
function sourceCoordinate(
  ctx: OpContext,
  mode: string,
  o: number,
  d: number,
  out: number,
  scale: number,
): number {
  switch (mode) {
    case 'half_pixel':
      return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel':
      return out > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      return out === 1 ? 0 : (o * (d - 1)) / (out - 1);
    case 'asymmetric':
      return o / scale;
    case 'half_pixel_symmetric': {
      const adjustment = out / (scale * d);
      const offset = (d / 2) * (1 - adjustment);
      return offset + (o + 0.5) / scale - 0.5;
    }
    default:
      return ctx.fail(`coordinate_transformation_mode '${mode}' is not supported`);
  }
}

function nearestIndex(ctx: OpContext, mode: string, x: number): number {
  switch (mode) {
    case 'round_prefer_floor':
      return x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil':
      return Math.round(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    default:
      return ctx.fail(`nearest_mode '${mode}' is not supported`);
  }
}

/**
 * Resize (and Upsample) with nearest or linear interpolation, one axis at a time: source indices
 * and weights are computed on the host, nearest is a static gather, linear a weighted sum of two.
 */
function resize(ctx: OpContext): Tensor {
  let x = ctx.tensor(0);
  const mode = ctx.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') ctx.fail(`mode '${mode}' is not supported (nearest, linear)`);
  if (ctx.int('antialias', 0) === 1) ctx.fail('antialias = 1 is not supported');
  if (mode === 'linear' && x.dtype !== 'float32' && x.dtype !== 'float64')
    ctx.fail('linear mode needs a float input');
  // Upsample, and Resize at opset 10, take scales as their second input and use asymmetric
  // coordinates with floor rounding; Resize from opset 11 has roi, scales, sizes.
  const upsample = ctx.node.opType === 'Upsample' || ctx.opset < 11;
  const coordMode = upsample ? 'asymmetric' : ctx.string('coordinate_transformation_mode', 'half_pixel');
  const nearestMode = upsample ? 'floor' : ctx.string('nearest_mode', 'round_prefer_floor');
  const axes = (ctx.intList('axes') ?? x.shape.map((_, i) => i)).map((a) => ctx.axis(a, x.rank));
  const scalesIn = upsample ? (ctx.opset >= 9 ? ctx.numbers(1) : ctx.floatList('scales')) : ctx.numbers(2);
  const sizesIn = upsample ? undefined : ctx.ints(3);
  if (
    !upsample &&
    ctx.attr('keep_aspect_ratio_policy') &&
    ctx.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch'
  ) {
    ctx.fail('keep_aspect_ratio_policy other than stretch is not supported');
  }
  const scales = axes.map((a, i) => {
    if (sizesIn && sizesIn.length > 0) return sizesIn[i]! / x.shape[a]!;
    const s = scalesIn?.[i];
    if (s === undefined || !(s > 0)) ctx.fail('needs positive scales or sizes for every resized axis');
    return s;
  });
  const outSizes = axes.map((a, i) =>
    sizesIn && sizesIn.length > 0 ? sizesIn[i]! : Math.floor(x.shape[a]! * scales[i]!),
  );
  ctx.guard(x.shape.map((d, i) => (axes.includes(i) ? outSizes[axes.indexOf(i)]! : d)));
  axes.forEach((a, i) => {
    const d = x.shape[a]!;
    const out = outSizes[i]!;
    if (out === d && scales[i] === 1) return;
    const coords = Array.from({ length: out }, (_, o) =>
      sourceCoordinate(ctx, coordMode, o, d, out, scales[i]!),
    );
    const clamp = (v: number) => Math.min(Math.max(v, 0), d - 1);
    if (mode === 'nearest') {
      x = takeStatic(
        x,
        a,
        coords.map((c) => clamp(nearestIndex(ctx, nearestMode, c))),
      );
      return;
    }
    const lo = coords.map((c) => clamp(Math.floor(c)));
    const hi = coords.map((c) => clamp(Math.floor(c) + 1));
    const w = coords.map((c, k) => (hi[k] === lo[k] ? 0 : clamp(c) - lo[k]!));
    const shape = x.shape.map((_, k) => (k === a ? out : 1));
    const wt = Tensor.fromData(w, shape, x.dtype);
    const below = takeStatic(x, a, lo);
    x = below.add(takeStatic(x, a, hi).sub(below).mul(wt));
  });
  return x;
}

export const RESIZE_OPS: Record<string, OpImpl> = {
  Resize: (ctx) => [ctx.like(resize(ctx))],
  Upsample: (ctx) => [ctx.like(resize(ctx))],
};
