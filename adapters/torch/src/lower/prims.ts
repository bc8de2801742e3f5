import type { Node, PrimName } from '../core.ts';
import { floatLiteral, intList, SCALAR_TYPE } from './dtypes.ts';

/**
 * A lowered expression. A `Call` is one aten call that also has an `out=` overload, so the
 * chunked emitter can write its result straight into a destination slice instead of copying.
 */
export interface Call {
  readonly fn: string;
  readonly args: readonly string[];
}
export type Lowered = string | Call;

/** How float32 `sum` and `matmul` accumulate. */
export type Accumulate = 'float64' | 'native';

/**
 * How float32 sqrt, exp, log, sin, cos and pow are computed. torch's CPU kernels for these are
 * not correctly rounded (its vectorised float32 sqrt is off by one ulp for about a fifth of all
 * inputs), so 'exact' (default) computes them in float64 and rounds once — exactly what the
 * reference does. 'native' uses torch's float32 kernels: faster, within one ulp.
 */
export type Float32Math = 'exact' | 'native';

export interface PrimContext {
  /** Binds `expr` to a fresh local in the current block (for operands used more than once). */
  bind(expr: string): string;
  /** The name under which a leaf (argument, constant, buffer) is available. */
  leaf(node: Node): string;
  readonly accumulate: Accumulate;
  readonly float32Math: Float32Math;
}

/**
 * Lowers one node whose operands are available as TorchScript names `args` (each may be used any
 * number of times). The result must have the node's exact dtype and shape and the reference
 * backend's values (docs/protocol.md), including its edge cases.
 */
export type PrimLowering = (node: Node, args: readonly string[], ctx: PrimContext) => Lowered;

export function render(l: Lowered, out?: string): string {
  if (typeof l === 'string') return l;
  return `${l.fn}(${[...l.args, ...(out === undefined ? [] : [`out=${out}`])].join(', ')})`;
}

const call =
  (fn: string): PrimLowering =>
  (_n, args) => ({ fn, args });

/** A float function; float32 operands go through float64 when `float32Math` is 'exact'. */
const math =
  (fn: string): PrimLowering =>
  (n, [a], ctx) =>
    n.dtype === 'float32' && ctx.float32Math === 'exact' ? `${fn}(${a}.to(7)).to(6)` : { fn, args: [a!] };

const code = (n: Node): number => SCALAR_TYPE[n.dtype];
const isFloatNode = (n: Node): boolean => n.dtype === 'float32' || n.dtype === 'float64';

/**
 * torch.sign maps NaN and -0 to 0; the protocol keeps NaN and -0 (Math.sign), so those two
 * inputs pass through unchanged.
 */
const sign: PrimLowering = (n, [a]) =>
  isFloatNode(n)
    ? `torch.where(torch.logical_or(torch.ne(${a}, ${a}), torch.eq(${a}, 0.0)), ${a}, torch.sign(${a}))`
    : { fn: 'torch.sign', args: [a!] };

/** floor/ceil of an integer is the integer itself (a copy, so it never aliases its operand). */
const rounding =
  (fn: string): PrimLowering =>
  (n, [a]) =>
    isFloatNode(n) ? { fn, args: [a!] } : `torch.clone(${a})`;

/**
 * int32 division truncates toward zero and x/0 is 0 (protocol). torch raises on integer division
 * by zero and INT_MIN / -1 traps on x86, so divide in int64 by a divisor with zeros replaced,
 * zero those quotients, and wrap back to int32 (2^31 becomes -2^31, as `| 0` does).
 */
const div: PrimLowering = (n, [a, b], ctx) => {
  if (isFloatNode(n)) return { fn: 'torch.div', args: [a!, b!] };
  const b64 = ctx.bind(`${b}.to(4)`);
  const zero = ctx.bind(`torch.eq(${b64}, 0)`);
  return `torch.div(torch.mul(${a}.to(4), torch.logical_not(${zero})), torch.masked_fill(${b64}, ${zero}, 1), rounding_mode="trunc").to(3)`;
};

/**
 * Float pow follows C's pow except where JavaScript's Math.pow (the reference) differs:
 * pow(±1, ±inf) and pow(1, NaN) are NaN there. int32 pow is Math.pow in float64 followed by
 * ToInt32 (non-finite → 0, truncate, wrap modulo 2^32).
 */
const pow: PrimLowering = (n, [a, b], ctx) => {
  if (isFloatNode(n)) {
    const wide = n.dtype === 'float32' && ctx.float32Math === 'exact';
    const p = wide ? `torch.pow(${a}.to(7), ${b}.to(7))` : `torch.pow(${a}, ${b})`;
    const fixed = `torch.masked_fill(${p}, torch.logical_and(torch.eq(torch.abs(${a}), 1.0), torch.logical_not(torch.isfinite(${b}))), float("nan"))`;
    return wide ? `${fixed}.to(6)` : fixed;
  }
  const p = ctx.bind(`torch.pow(${a}.to(7), ${b}.to(7))`);
  return `torch.fmod(torch.trunc(torch.masked_fill(${p}, torch.logical_not(torch.isfinite(${p})), 0.0)), 4294967296.0).to(4).to(3)`;
};

/**
 * Casts follow the protocol, not C: float → int32 truncates, saturates at the int32 range and
 * maps NaN to 0 (a raw `.to(int32)` is undefined there and gives INT_MIN on x86); → bool is
 * `x != 0`, so NaN is true.
 */
const cast: PrimLowering = (n, [a]) => {
  const from = n.inputs[0]!.dtype;
  if (from === n.dtype) return `torch.clone(${a})`;
  if (n.dtype === 'bool') return { fn: 'torch.ne', args: [a!, '0'] };
  if (n.dtype === 'int32' && from !== 'bool') {
    return `torch.clamp(torch.nan_to_num(${a}.to(7), 0.0), -2147483648.0, 2147483647.0).to(3)`;
  }
  return `${a}.to(${code(n)})`;
};

/**
 * Reductions and matmul accumulate in float64 and round once (protocol), so float32 operands are
 * widened; int32 ones accumulate in int64 and wrap back, matching `| 0` on the exact sum.
 */
function widened(n: Node, accumulate: Accumulate): { via: number | undefined; back: string } {
  if (n.inputs[0]!.dtype === 'int32') return { via: 4, back: '.to(3)' };
  if (n.inputs[0]!.dtype === 'float32' && accumulate === 'float64') return { via: 7, back: '.to(6)' };
  return { via: undefined, back: '' };
}

function reduce(n: Node, a: string, ctx: PrimContext): string {
  const op = n.op;
  if (op.kind !== 'reduce') throw new Error(`internal: reduce lowering on ${op.kind}`);
  // torch reduces over every axis when given an empty list; the protocol reduces over none.
  if (op.axes.length === 0) return `torch.clone(${a})`;
  const keep = op.keepDims ? 'True' : 'False';
  const axes = intList(op.axes);
  switch (op.fn) {
    case 'sum': {
      const { via, back } = widened(n, ctx.accumulate);
      return via === undefined
        ? `torch.sum(${a}, ${axes}, ${keep})`
        : `torch.sum(${a}, ${axes}, ${keep}, dtype=${via})${back}`;
    }
    case 'max':
      return `torch.amax(${a}, ${axes}, ${keep})`;
    case 'min':
      return `torch.amin(${a}, ${axes}, ${keep})`;
    case 'argmax':
      // torch.argmax returns the first maximum and treats NaN as the maximum, as the protocol does
      return `torch.argmax(${a}, ${op.axes[0]}, ${keep}).to(3)`;
  }
}

function padValue(n: Node, value: number): string {
  // The reference fills a typed array, so the value converts as a store into that array would.
  if (n.dtype === 'int32') return String(value | 0);
  if (n.dtype === 'bool') return ((value | 0) & 255) !== 0 ? 'True' : 'False';
  return floatLiteral(n.dtype === 'float32' ? Math.fround(value) : value);
}

const leaf: PrimLowering = (n, _args, ctx) => ctx.leaf(n);

/**
 * torch.conv2d pads symmetrically only, so asymmetric pads become an explicit zero pad first.
 * float32 runs torch's own float32 convolution (oneDNN): the protocol leaves a convolution's
 * float32 accumulation to the frontend (docs/protocol.md), and torch's double convolution has
 * no fast CPU path.
 */
const conv2d: PrimLowering = (n, [x, w]) => {
  const op = n.op;
  if (op.kind !== 'conv2d') throw new Error('internal: conv2d lowering');
  const [[top, bottom], [left, right]] = op.pads;
  const symmetric = top === bottom && left === right;
  const input = symmetric ? x! : `torch.constant_pad_nd(${x}, ${intList([left, right, top, bottom])}, 0.0)`;
  const padding = intList(symmetric ? [top, left] : [0, 0]);
  return `torch.conv2d(${input}, ${w}, None, ${intList(op.strides)}, ${padding}, ${intList(op.dilations)}, ${op.groups})`;
};

/**
 * One lowering per primitive. Typed as a full Record so adding a primitive to the IR without a
 * lowering here is a compile error.
 */
export const PRIM_LOWERINGS: Readonly<Record<PrimName, PrimLowering>> = {
  constant: leaf,
  input: leaf,
  neg: call('torch.neg'),
  exp: math('torch.exp'),
  log: math('torch.log'),
  sqrt: math('torch.sqrt'),
  abs: call('torch.abs'),
  sign,
  sin: math('torch.sin'),
  cos: math('torch.cos'),
  floor: rounding('torch.floor'),
  ceil: rounding('torch.ceil'),
  not: call('torch.logical_not'),
  add: call('torch.add'),
  sub: call('torch.sub'),
  mul: call('torch.mul'),
  div,
  pow,
  maximum: call('torch.maximum'),
  minimum: call('torch.minimum'),
  and: call('torch.logical_and'),
  or: call('torch.logical_or'),
  lt: call('torch.lt'),
  le: call('torch.le'),
  gt: call('torch.gt'),
  ge: call('torch.ge'),
  eq: call('torch.eq'),
  ne: call('torch.ne'),
  where: call('torch.where'),
  sum: (n, [a], ctx) => reduce(n, a!, ctx),
  max: (n, [a], ctx) => reduce(n, a!, ctx),
  min: (n, [a], ctx) => reduce(n, a!, ctx),
  argmax: (n, [a], ctx) => reduce(n, a!, ctx),
  reshape: (n, [a]) => `torch.reshape(${a}, ${intList(n.shape)})`,
  transpose: (n, [a]) => {
    if (n.op.kind !== 'transpose') throw new Error('internal: transpose lowering');
    return `torch.permute(${a}, ${intList(n.op.perm)})`;
  },
  expand: (n, [a]) => `torch.expand(${a}, ${intList(n.shape)})`,
  slice: (n, [a]) => {
    const op = n.op;
    if (op.kind !== 'slice') throw new Error('internal: slice lowering');
    let expr = a!;
    n.inputs[0]!.shape.forEach((d, i) => {
      if (op.begin[i] !== 0 || op.end[i] !== d)
        expr = `torch.slice(${expr}, ${i}, ${op.begin[i]}, ${op.end[i]})`;
    });
    return expr;
  },
  concat: (n, args) => {
    if (n.op.kind !== 'concat') throw new Error('internal: concat lowering');
    return `torch.cat([${args.join(', ')}], ${n.op.axis})`;
  },
  pad: (n, [a]) => {
    const op = n.op;
    if (op.kind !== 'pad') throw new Error('internal: pad lowering');
    // constant_pad_nd lists [before, after] pairs starting from the LAST axis
    const flat = [...op.pads].reverse().flat();
    return `torch.constant_pad_nd(${a}, ${intList(flat)}, ${padValue(n, op.value)})`;
  },
  matmul: (n, [a, b], ctx) => {
    const { via, back } = widened(n, ctx.accumulate);
    return via === undefined
      ? `torch.matmul(${a}, ${b})`
      : `torch.matmul(${a}.to(${via}), ${b}.to(${via}))${back}`;
  },
  conv2d,
  cast,
};
