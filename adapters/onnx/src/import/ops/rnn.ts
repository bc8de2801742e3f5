import { ops, Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { sliceAxis } from './take.ts';

type Act = (x: Tensor) => Tensor;

/** The activation functions ONNX recurrent ops accept, with their alpha/beta defaults. */
function activation(ctx: OpContext, name: string, alpha: number | undefined, beta: number | undefined): Act {
  switch (name.toLowerCase()) {
    case 'sigmoid':
      return ops.sigmoid;
    case 'tanh':
      return ops.tanh;
    case 'relu':
      return ops.relu;
    case 'softsign':
      return (x) => x.div(x.abs().add(1));
    case 'softplus':
      return ops.softplus;
    case 'leakyrelu':
      return (x) => Tensor.where(x.ge(0), x, x.mul(alpha ?? 0.01));
    case 'thresholdedrelu':
      return (x) => Tensor.where(x.gt(alpha ?? 1), x, 0);
    case 'elu':
      return (x) =>
        Tensor.where(
          x.gt(0),
          x,
          x
            .exp()
            .sub(1)
            .mul(alpha ?? 1),
        );
    case 'hardsigmoid':
      return (x) =>
        x
          .mul(alpha ?? 0.2)
          .add(beta ?? 0.5)
          .maximum(0)
          .minimum(1);
    case 'affine':
      return (x) => x.mul(alpha ?? 1).add(beta ?? 0);
    case 'scaledtanh':
      return (x) => ops.tanh(x.mul(beta ?? 1)).mul(alpha ?? 1);
    default:
      return ctx.fail(`activation '${name}' is not supported`);
  }
}

interface Spec {
  /** Gates per direction: LSTM 4 (i, o, f, c), GRU 3 (z, r, h), RNN 1. */
  readonly gates: number;
  readonly defaults: readonly string[];
}

interface Direction {
  /** Precomputed X·Wᵀ + Wb for every step: S, B, G·H. */
  readonly xw: Tensor;
  readonly r: Tensor;
  readonly rb: Tensor;
  readonly p: Tensor | undefined;
  h: Tensor;
  c: Tensor;
  readonly acts: Act[];
}

/** Splits the last axis into `n` equal gate blocks. */
function gatesOf(t: Tensor, n: number, h: number): Tensor[] {
  return Array.from({ length: n }, (_, k) => sliceAxis(t, t.rank - 1, k * h, (k + 1) * h));
}

function recurrent(ctx: OpContext, spec: Spec, kind: 'LSTM' | 'GRU' | 'RNN'): Tensor[] {
  const layout = ctx.int('layout', 0);
  let x = ctx.tensor(0);
  if (x.rank !== 3) ctx.fail(`X must have rank 3, got ${x.rank}`);
  if (layout === 1) x = x.transpose([1, 0, 2]);
  const [steps, batch] = x.shape as [number, number, number];
  const w = ctx.tensor(1);
  const rw = ctx.tensor(2);
  const hidden = ctx.int('hidden_size', rw.shape[2] ?? 0);
  const direction = ctx.string('direction', 'forward');
  const dirs = direction === 'bidirectional' ? 2 : 1;
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') {
    ctx.fail(`direction '${direction}' is not forward, reverse or bidirectional`);
  }
  const gh = spec.gates * hidden;
  if (
    w.rank !== 3 ||
    w.shape[0] !== dirs ||
    w.shape[1] !== gh ||
    rw.shape[0] !== dirs ||
    rw.shape[1] !== gh ||
    rw.shape[2] !== hidden
  ) {
    ctx.fail(
      `weights [${w.shape.join(',')}] / [${rw.shape.join(',')}] do not fit ${dirs} direction(s) × ${gh} gate rows`,
    );
  }
  if (ctx.has(4)) {
    const lens = ctx.ints(4) ?? [];
    if (lens.some((l) => l !== steps)) ctx.fail('sequence_lens shorter than the sequence are not supported');
  }
  if (kind === 'LSTM' && ctx.int('input_forget', 0) === 1) ctx.fail('input_forget = 1 is not supported');
  const clip = ctx.attr('clip') ? ctx.float('clip', 0) : undefined;
  const names = ctx.attr('activations')?.strings ?? [];
  const alphas = ctx.floatList('activation_alpha') ?? [];
  const betas = ctx.floatList('activation_beta') ?? [];
  const perDir = spec.defaults.length;
  const zeros = Tensor.zeros([batch, hidden], x.dtype);
  const initial = (i: number, d: number) =>
    ctx.has(i) ? sliceAxis(ctx.tensor(i), 0, d, d + 1).reshape([batch, hidden]) : zeros;
  const state: Direction[] = [];
  for (let d = 0; d < dirs; d++) {
    const wd = sliceAxis(w, 0, d, d + 1).reshape([gh, w.shape[2]!]);
    const rd = sliceAxis(rw, 0, d, d + 1).reshape([gh, hidden]);
    const b = ctx.has(3) ? sliceAxis(ctx.tensor(3), 0, d, d + 1).reshape([2 * gh]) : undefined;
    const wb = b ? sliceAxis(b, 0, 0, gh) : Tensor.zeros([gh], x.dtype);
    const rb = b ? sliceAxis(b, 0, gh, 2 * gh) : Tensor.zeros([gh], x.dtype);
    const acts = spec.defaults.map((def, k) => {
      const idx = d * perDir + k;
      return activation(ctx, names[idx] ?? def, alphas[idx], betas[idx]);
    });
    state.push({
      xw: x.matmul(wd.transpose([1, 0])).add(wb),
      r: rd.transpose([1, 0]),
      rb,
      p:
        kind === 'LSTM' && ctx.has(7)
          ? sliceAxis(ctx.tensor(7), 0, d, d + 1).reshape([3 * hidden])
          : undefined,
      h: initial(5, d),
      c: kind === 'LSTM' ? initial(6, d) : zeros,
      acts,
    });
  }
  const clipped = (t: Tensor) => (clip === undefined ? t : t.maximum(-clip).minimum(clip));
  const ys: Tensor[][] = state.map(() => Array<Tensor>(steps));
  const lbr = ctx.int('linear_before_reset', 0) === 1;
  state.forEach((s, d) => {
    const reverse = direction === 'reverse' || d === 1;
    for (let k = 0; k < steps; k++) {
      const t = reverse ? steps - 1 - k : k;
      const xt = sliceAxis(s.xw, 0, t, t + 1).reshape([batch, gh]);
      const [f, g, hAct] = [s.acts[0]!, s.acts[1] ?? s.acts[0]!, s.acts[2] ?? s.acts[0]!];
      if (kind === 'RNN') {
        s.h = f(clipped(xt.add(s.h.matmul(s.r)).add(s.rb)));
      } else if (kind === 'GRU') {
        const [xz, xr, xh] = gatesOf(xt, 3, hidden) as [Tensor, Tensor, Tensor];
        const [rz, rr, rh] = gatesOf(s.r, 3, hidden) as [Tensor, Tensor, Tensor];
        const [bz, br, bh] = gatesOf(s.rb, 3, hidden) as [Tensor, Tensor, Tensor];
        const z = f(clipped(xz.add(s.h.matmul(rz)).add(bz)));
        const r = f(clipped(xr.add(s.h.matmul(rr)).add(br)));
        const cand = lbr ? xh.add(r.mul(s.h.matmul(rh).add(bh))) : xh.add(r.mul(s.h).matmul(rh)).add(bh);
        const hh = g(clipped(cand));
        s.h = z.neg().add(1).mul(hh).add(z.mul(s.h));
      } else {
        const all = xt.add(s.h.matmul(s.r)).add(s.rb);
        const [gi, go, gf, gc] = gatesOf(all, 4, hidden) as [Tensor, Tensor, Tensor, Tensor];
        const [pi, po, pf] = s.p
          ? (gatesOf(s.p, 3, hidden) as [Tensor, Tensor, Tensor])
          : [undefined, undefined, undefined];
        const i = f(clipped(pi ? gi.add(pi.mul(s.c)) : gi));
        const fg = f(clipped(pf ? gf.add(pf.mul(s.c)) : gf));
        const cc = g(clipped(gc));
        s.c = fg.mul(s.c).add(i.mul(cc));
        const o = f(clipped(po ? go.add(po.mul(s.c)) : go));
        s.h = o.mul(hAct(s.c));
      }
      ys[d]![t] = s.h;
    }
  });
  // Y: S, dirs, B, H (layout 1: B, S, dirs, H); Y_h / Y_c: dirs, B, H (layout 1: B, dirs, H).
  let y =
    steps === 0
      ? Tensor.zeros([0, dirs, batch, hidden], x.dtype)
      : Tensor.stack(
          ys.map((list) => Tensor.stack(list, 0)),
          1,
        );
  let yh = Tensor.stack(
    state.map((s) => s.h),
    0,
  );
  let yc = Tensor.stack(
    state.map((s) => s.c),
    0,
  );
  if (layout === 1) {
    y = y.transpose([2, 0, 1, 3]);
    yh = yh.transpose([1, 0, 2]);
    yc = yc.transpose([1, 0, 2]);
  }
  return kind === 'LSTM' ? [y, yh, yc] : [y, yh];
}

export const RNN_OPS: Record<string, OpImpl> = {
  LSTM: (ctx) => recurrent(ctx, { gates: 4, defaults: ['Sigmoid', 'Tanh', 'Tanh'] }, 'LSTM'),
  GRU: (ctx) => recurrent(ctx, { gates: 3, defaults: ['Sigmoid', 'Tanh'] }, 'GRU'),
  RNN: (ctx) => recurrent(ctx, { gates: 1, defaults: ['Tanh'] }, 'RNN'),
};
