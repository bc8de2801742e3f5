import { Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';

function float(ctx: OpContext, i = 0): Tensor {
  const t = ctx.tensor(i);
  if (t.dtype !== 'float32' && t.dtype !== 'float64')
    ctx.fail(`input ${i} must be float, got ${ctx.elem(i)}`);
  return t;
}

/** Round half to even: floor, then add 1 above .5, and at exactly .5 only when floor is odd. */
function roundHalfEven(x: Tensor): Tensor {
  const f = x.floor();
  const frac = x.sub(f);
  const parity = f.sub(f.div(2).floor().mul(2));
  return Tensor.where(frac.gt(0.5), f.add(1), Tensor.where(frac.lt(0.5), f, f.add(parity)));
}

/** Mod: fmod = 0 takes the divisor's sign (Python %), fmod = 1 the dividend's (C fmod). */
function mod(ctx: OpContext): Tensor {
  const a = ctx.tensor(0);
  const b = ctx.tensor(1);
  const fmod = ctx.int('fmod', 0) === 1;
  const isInt = a.dtype === 'int32';
  if (isInt && fmod) ctx.fail('fmod = 1 is for floats');
  if (!isInt && !fmod) ctx.fail('fmod = 0 is for integers; float inputs need fmod = 1');
  const wa = a.cast('float64');
  const wb = b.cast('float64');
  const q = wa.div(wb);
  const whole = fmod ? q.abs().floor().mul(q.sign()) : q.floor();
  const r = wa.sub(wb.mul(whole));
  return isInt ? Tensor.where(b.eq(0), 0, r.cast('int32')) : r.cast(a.dtype);
}

function depthToSpace(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const b = ctx.int('blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || b < 1 || c % (b * b) !== 0)
    ctx.fail(`needs N, C, H, W with C divisible by blocksize² (${b}²)`);
  const cb = c / (b * b);
  const crd = ctx.string('mode', 'DCR') === 'CRD';
  const split = crd ? x.reshape([n, cb, b, b, h, w]) : x.reshape([n, b, b, cb, h, w]);
  const moved = crd ? split.transpose([0, 1, 4, 2, 5, 3]) : split.transpose([0, 3, 4, 1, 5, 2]);
  return moved.reshape([n, cb, h * b, w * b]);
}

function spaceToDepth(ctx: OpContext): Tensor {
  const x = ctx.tensor(0);
  const b = ctx.int('blocksize', 0);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || b < 1 || h % b !== 0 || w % b !== 0)
    ctx.fail(`needs N, C, H, W with H and W divisible by blocksize ${b}`);
  return x
    .reshape([n, c, h / b, b, w / b, b])
    .transpose([0, 3, 5, 1, 2, 4])
    .reshape([n, c * b * b, h / b, w / b]);
}

function hardmax(ctx: OpContext): Tensor {
  let x = ctx.tensor(0);
  const shape = x.shape;
  let axis: number;
  if (ctx.opset >= 13) axis = ctx.axis(ctx.int('axis', -1), x.rank);
  else {
    const a = ctx.axis(ctx.int('axis', 1), Math.max(x.rank, 1));
    x = x.reshape([shape.slice(0, a).reduce((p, d) => p * d, 1), -1]);
    axis = 1;
  }
  const d = x.shape[axis]!;
  const arg = x.argMax(axis).expandDims(axis);
  const range = Tensor.arange(d).reshape(x.shape.map((_, i) => (i === axis ? d : 1)));
  return arg.eq(range).cast(x.dtype).reshape(shape);
}

export const EXTRA_OPS: Record<string, OpImpl> = {
  Round: (ctx) => [roundHalfEven(float(ctx))],
  Mod: (ctx) => [ctx.like(mod(ctx))],
  IsNaN: (ctx) => {
    const x = float(ctx);
    return [x.ne(x)];
  },
  IsInf: (ctx) => {
    const x = float(ctx);
    const pos = ctx.int('detect_positive', 1) === 1;
    const neg = ctx.int('detect_negative', 1) === 1;
    const inf = x.abs().eq(Infinity);
    if (pos && neg) return [inf];
    if (pos) return [inf.logicalAnd(x.gt(0))];
    if (neg) return [inf.logicalAnd(x.lt(0))];
    return [inf.logicalAnd(x.ne(x))];
  },
  Sinh: (ctx) => {
    const x = float(ctx);
    return [x.exp().sub(x.neg().exp()).mul(0.5)];
  },
  Cosh: (ctx) => {
    const x = float(ctx);
    return [x.exp().add(x.neg().exp()).mul(0.5)];
  },
  Shrink: (ctx) => {
    const x = ctx.tensor(0);
    const bias = ctx.float('bias', 0);
    const lambd = ctx.float('lambd', 0.5);
    return [ctx.like(Tensor.where(x.lt(-lambd), x.add(bias), Tensor.where(x.gt(lambd), x.sub(bias), 0)))];
  },
  DepthToSpace: (ctx) => [ctx.like(depthToSpace(ctx))],
  SpaceToDepth: (ctx) => [ctx.like(spaceToDepth(ctx))],
  Hardmax: (ctx) => [hardmax(ctx)],
  LpNormalization: (ctx) => {
    const x = float(ctx);
    const axis = ctx.axis(ctx.int('axis', -1), x.rank);
    const p = ctx.int('p', 2);
    if (p !== 1 && p !== 2) ctx.fail(`p = ${p} is not 1 or 2`);
    const norm = p === 1 ? x.abs().sum(axis, true) : x.mul(x).sum(axis, true).sqrt();
    // A zero norm gives 0 rather than 0/0 (as ONNX's reference does).
    return [Tensor.where(norm.eq(0), 0, x.div(norm))];
  },
  MeanVarianceNormalization: (ctx) => {
    const x = float(ctx);
    const axes = (ctx.intList('axes') ?? [0, 2, 3]).map((a) => ctx.axis(a, x.rank));
    const mean = x.mean(axes, true);
    const variance = x.mul(x).mean(axes, true).sub(mean.mul(mean));
    // ONNX's function body: (X − E[X]) / (sqrt(E[X²] − E[X]²) + 1e-9).
    return [x.sub(mean).div(variance.sqrt().add(1e-9))];
  },
};
