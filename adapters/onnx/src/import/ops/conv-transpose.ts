import { ops, type Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { convCore, floatInput } from './conv.ts';
import { sliceAxis, takeStatic } from './take.ts';
import type { Geometry } from './window.ts';

/** Pads (or, for negative amounts, crops) one axis. */
function padOrCrop(x: Tensor, axis: number, lo: number, hi: number): Tensor {
  const d = x.shape[axis]!;
  let t = sliceAxis(x, axis, Math.max(0, -lo), d - Math.max(0, -hi));
  t = t.pad(
    t.shape.map((_, i) => (i === axis ? ([Math.max(0, lo), Math.max(0, hi)] as const) : ([0, 0] as const))),
  );
  return t;
}

/**
 * ConvTranspose as a stride-1 convolution of the zero-inserted input with the spatially flipped
 * kernel (channels swapped per group), padded by (kernel extent − 1 − pads).
 */
function convTranspose(ctx: OpContext): Tensor {
  const x = floatInput(ctx, 0);
  const w = floatInput(ctx, 1);
  const [, c] = x.shape as [number, number];
  const group = ctx.int('group', 1);
  if (group < 1 || c % group !== 0 || w.shape[0] !== c)
    ctx.fail(`weight [${w.shape.join(',')}] does not fit ${c} channels in ${group} groups`);
  const mPer = w.shape[1]!;
  const k = x.rank - 2;
  const kernel = ctx.intList('kernel_shape') ?? w.shape.slice(2);
  const list = (name: string, fallback: number) => ctx.intList(name) ?? Array<number>(k).fill(fallback);
  const strides = list('strides', 1);
  const dilations = list('dilations', 1);
  const outPad = list('output_padding', 0);
  if ([kernel, strides, dilations, outPad].some((l) => l.length !== k))
    ctx.fail(`attributes do not fit ${k} spatial axes`);
  if ([...strides, ...dilations].some((v) => v < 1)) ctx.fail('strides and dilations must be ≥ 1');
  const spatial = x.shape.slice(2);
  const eff = kernel.map((kk, i) => (kk - 1) * dilations[i]! + 1);
  const full = spatial.map((d, i) => strides[i]! * (d - 1) + outPad[i]! + eff[i]!);
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  const outputShape = ctx.intList('output_shape');
  let begin: number[];
  let end: number[];
  if (outputShape || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const target = outputShape?.slice(-k) ?? spatial.map((d, i) => d * strides[i]!);
    const total = full.map((f, i) => f - target[i]!);
    const upper = autoPad === 'SAME_UPPER';
    begin = total.map((t) => (upper ? Math.floor(t / 2) : t - Math.floor(t / 2)));
    end = total.map((t, i) => t - begin[i]!);
  } else {
    const pads = ctx.intList('pads') ?? Array<number>(2 * k).fill(0);
    if (pads.length !== 2 * k) ctx.fail(`pads has ${pads.length} entries for ${k} spatial axes`);
    begin = pads.slice(0, k);
    end = pads.slice(k);
  }
  const out = full.map((f, i) => f - begin[i]! - end[i]!);
  ctx.guard([x.shape[0]!, c, kernel.reduce((a, b) => a * b, 1), ...out]);
  let t = x;
  for (let i = 0; i < k; i++) {
    t = ops.insertZeros(t, 2 + i, strides[i]!);
    t = padOrCrop(t, 2 + i, eff[i]! - 1 - begin[i]!, eff[i]! - 1 - end[i]! + outPad[i]!);
  }
  // W: C, M/g, K… → M, C/g, K… (per group), flipped on every spatial axis.
  let wt = w
    .reshape([group, c / group, mPer, ...kernel])
    .transpose([0, 2, 1, ...kernel.map((_, i) => 3 + i)])
    .reshape([group * mPer, c / group, ...kernel]);
  kernel.forEach((kk, i) => {
    wt = takeStatic(
      wt,
      2 + i,
      Array.from({ length: kk }, (_, j) => kk - 1 - j),
    );
  });
  const g: Geometry = {
    kernel,
    strides: kernel.map(() => 1),
    dilations,
    begin: kernel.map(() => 0),
    end: kernel.map(() => 0),
    extra: kernel.map(() => 0),
    out,
  };
  return convCore(ctx, t, wt, g, group);
}

export const CONV_TRANSPOSE_OPS: Record<string, OpImpl> = {
  ConvTranspose: (ctx) => [convTranspose(ctx)],
};
