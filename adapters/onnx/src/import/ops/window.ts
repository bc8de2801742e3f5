import { Tensor } from '@reptile/core';
import type { OpContext } from '../context.ts';
import { strided } from './take.ts';

/** Resolved sliding-window geometry for the spatial axes (2..) of an N, C, D1..Dk tensor. */
export interface Geometry {
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilations: number[];
  /** Pads before / after each spatial axis, including ceil_mode's extra end padding in `extra`. */
  readonly begin: number[];
  readonly end: number[];
  /** Extra end padding ceil_mode needs beyond `end` (never counted as padding by AveragePool). */
  readonly extra: number[];
  readonly out: number[];
}

/** Reads kernel/strides/dilations/pads/auto_pad/ceil_mode the way Conv and the pools share them. */
export function geometry(ctx: OpContext, spatial: readonly number[], kernel: readonly number[]): Geometry {
  const k = spatial.length;
  const list = (name: string, fallback: number) => {
    const v = ctx.intList(name) ?? Array<number>(k).fill(fallback);
    if (v.length !== k) ctx.fail(`${name} has ${v.length} entries for ${k} spatial axes`);
    return v;
  };
  const strides = list('strides', 1);
  const dilations = list('dilations', 1);
  if ([...strides, ...dilations, ...kernel].some((v) => v < 1))
    ctx.fail('kernel, strides and dilations must be ≥ 1');
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  const ceil = ctx.int('ceil_mode', 0) === 1;
  const eff = kernel.map((kk, i) => (kk - 1) * dilations[i]! + 1);
  let begin: number[];
  let end: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = spatial.map((d, i) => Math.ceil(d / strides[i]!));
    const total = out.map((o, i) => Math.max(0, (o - 1) * strides[i]! + eff[i]! - spatial[i]!));
    begin = total.map((t) => (autoPad === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
    end = total.map((t, i) => t - begin[i]!);
  } else if (autoPad === 'VALID') {
    begin = Array<number>(k).fill(0);
    end = Array<number>(k).fill(0);
  } else if (autoPad === 'NOTSET') {
    const pads = ctx.intList('pads') ?? Array<number>(2 * k).fill(0);
    if (pads.length !== 2 * k || pads.some((p) => p < 0))
      ctx.fail(`pads [${pads.join(',')}] do not fit ${k} spatial axes`);
    begin = pads.slice(0, k);
    end = pads.slice(k);
  } else {
    return ctx.fail(`auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  }
  const out = spatial.map((d, i) => {
    const span = d + begin[i]! + end[i]! - eff[i]!;
    if (span < 0)
      ctx.fail(`kernel extent ${eff[i]} is larger than the padded input ${d + begin[i]! + end[i]!}`);
    let o = (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
    // ceil_mode never starts a window in the end padding.
    if (ceil && (o - 1) * strides[i]! >= d + begin[i]!) o -= 1;
    return o;
  });
  const extra = out.map((o, i) =>
    Math.max(0, (o - 1) * strides[i]! + eff[i]! - (spatial[i]! + begin[i]! + end[i]!)),
  );
  ctx.guard(out);
  return { kernel: [...kernel], strides, dilations, begin, end, extra, out };
}

/** Pads the spatial axes: explicit pads with `value`, ceil_mode's extra end with `extraValue`. */
export function padSpatial(x: Tensor, g: Geometry, value: number, extraValue = value): Tensor {
  const lead = [
    [0, 0],
    [0, 0],
  ] as const;
  const padded = x.pad([...lead, ...g.begin.map((b, i) => [b, g.end[i]!] as const)], value);
  return padded.pad([...lead, ...g.extra.map((e) => [0, e] as const)], extraValue);
}

/**
 * One tensor per kernel offset, each N, C, O1..Ok: the input element that offset sees in every
 * output window (im2col without a gather). Offsets are in row-major kernel order.
 */
export function windows(padded: Tensor, g: Geometry): Tensor[] {
  const offsets: number[][] = [[]];
  for (const kk of g.kernel) {
    const next: number[][] = [];
    for (const o of offsets) for (let j = 0; j < kk; j++) next.push([...o, j]);
    offsets.splice(0, offsets.length, ...next);
  }
  return offsets.map((off) => {
    let t = padded;
    off.forEach((j, i) => {
      t = strided(t, 2 + i, j * g.dilations[i]!, g.out[i]!, g.strides[i]!);
    });
    return t;
  });
}

/** Stacks the windows on a new axis 2: N, C, K, O1..Ok. */
export function stackWindows(padded: Tensor, g: Geometry): Tensor {
  return Tensor.stack(windows(padded, g), 2);
}

/**
 * Sum or max over every window, one spatial axis at a time: box windows are separable for both,
 * so this costs Σ kernel sizes strided slices instead of Π (large 3-D pools stay fast).
 */
export function poolSeparable(padded: Tensor, g: Geometry, fn: 'sum' | 'max'): Tensor {
  let t = padded;
  g.kernel.forEach((kk, i) => {
    let acc: Tensor | undefined;
    for (let j = 0; j < kk; j++) {
      const w = strided(t, 2 + i, j * g.dilations[i]!, g.out[i]!, g.strides[i]!);
      acc = acc === undefined ? w : fn === 'sum' ? acc.add(w) : acc.maximum(w);
    }
    t = acc!;
  });
  return t;
}
