import { type DType, isFloat, type Node, type PrimName } from '@reptile/core';
import type { LowerRule } from './context.ts';
import { cast, constantWhere, isNan, isZero, toInt32Wrapped } from './fixups.ts';

/**
 * Elementwise primitives. Most map to one ONNX op; the rest carry fix-ups where onnxruntime's
 * behaviour differs from docs/protocol.md (each probed against onnxruntime-node 1.30, see
 * docs/onnx.md). Operands always have identical shapes here: the IR broadcasts explicitly.
 */

const direct =
  (opType: string): LowerRule =>
  (ctx, _node, x) =>
    ctx.b.op(opType, x);

const dtypeOf = (node: Node, i = 0): DType => node.inputs[i]!.dtype;

/**
 * sign(x) = clamp(x·K·K, −1, 1) with K = 2^100 (float32) or 2^600 (float64): every nonzero x,
 * even the smallest subnormal, reaches magnitude ≥ 1, while ±0 stay ±0 and NaN stays NaN (Max/Min
 * propagate it). ONNX Sign would turn −0 into +0, and a Where-based patch cannot restore it
 * because onnxruntime's Where returns +0 for a −0 in its then-branch.
 */
const sign: LowerRule = (ctx, node, [x]) => {
  if (!isFloat(node.dtype)) return ctx.b.op('Sign', [x!]);
  const B = ctx.b;
  const k = B.scalar(node.dtype === 'float32' ? 2 ** 100 : 2 ** 600, node.dtype);
  const big = B.op('Mul', [B.op('Mul', [x!, k]), k]);
  return B.op('Min', [B.op('Max', [big, B.scalar(-1, node.dtype)]), B.scalar(1, node.dtype)]);
};

/** ONNX Floor/Ceil are float-only; on int32 they are the identity. */
const rounding =
  (opType: 'Floor' | 'Ceil'): LowerRule =>
  (ctx, node, [x]) =>
    ctx.b.op(isFloat(node.dtype) ? opType : 'Identity', [x!]);

/**
 * int32 division: truncation toward zero (as C++), but x/0 must give 0 and INT_MIN/−1 must wrap
 * to INT_MIN — both trap in C++, so the divisor is made safe first.
 */
const div: LowerRule = (ctx, node, [a, b]) => {
  if (isFloat(node.dtype)) return ctx.b.op('Div', [a!, b!]);
  // a constant divisor with no 0 and no −1 cannot trap
  if (constantWhere(ctx, node.inputs[1]!, (v) => v !== 0 && v !== -1)) return ctx.b.op('Div', [a!, b!]);
  const B = ctx.b;
  const byZero = isZero(ctx, b!, 'int32');
  const byMinusOne = B.op('Equal', [b!, B.scalar(-1, 'int32')]);
  const safe = B.op('Where', [B.op('Or', [byZero, byMinusOne]), B.scalar(1, 'int32'), b!]);
  const q = B.op('Where', [byMinusOne, B.op('Neg', [a!]), B.op('Div', [a!, safe])]);
  return B.op('Where', [byZero, B.scalar(0, 'int32'), q]);
};

/**
 * Float pow follows C's pow, which gives 1 for pow(1, NaN) and pow(±1, ±∞); JavaScript's
 * Math.pow (the reference) gives NaN there. int32 pow is computed in double and wrapped as the
 * reference's `Math.pow(a, b) | 0`.
 */
const pow: LowerRule = (ctx, node, [a, b]) => {
  const B = ctx.b;
  if (!isFloat(node.dtype)) {
    return toInt32Wrapped(ctx, B.op('Pow', [cast(ctx, a!, 'float64'), cast(ctx, b!, 'float64')]));
  }
  const dtype = node.dtype;
  // The patch is needed only for a base of ±1 with a NaN or infinite exponent.
  const [base, exponent] = node.inputs as [Node, Node];
  if (constantWhere(ctx, base, (v) => Math.abs(v) !== 1) || constantWhere(ctx, exponent, Number.isFinite)) {
    return B.op('Pow', [a!, b!]);
  }
  const unitBase = B.op('Equal', [B.op('Abs', [a!]), B.scalar(1, dtype)]);
  const nonFinite = B.op('Or', [isNan(ctx, b!), B.op('IsInf', [b!])]);
  const jsNaN = B.op('And', [unitBase, nonFinite]);
  return B.op('Where', [jsNaN, B.scalar(Number.NaN, dtype), B.op('Pow', [a!, b!])]);
};

/** ONNX's ordering comparisons are not defined on bool; compare 0/1 as int32 instead. */
const ordering =
  (opType: string): LowerRule =>
  (ctx, node, x) =>
    ctx.b.op(opType, dtypeOf(node) === 'bool' ? x.map((v) => cast(ctx, v, 'int32')) : [...x]);

/**
 * onnxruntime has no bool kernel for Where; on bool it is (c ∧ a) ∨ (¬c ∧ b). On floats,
 * onnxruntime's Where merges its two branches with "first == 0 ? second : first", which returns
 * +0 for a −0 chosen from the then-branch; the result is multiplied by −1 exactly there
 * (a = 0 with 1/a < 0) so signed zeros survive as in the reference.
 */
const where: LowerRule = (ctx, node, [c, a, b]) => {
  const B = ctx.b;
  if (node.dtype === 'bool') {
    return B.op('Or', [B.op('And', [c!, a!]), B.op('And', [B.op('Not', [c!]), b!])]);
  }
  if (!isFloat(node.dtype)) return B.op('Where', [c!, a!, b!]);
  // Only a −0 in the then-branch is lost: a constant then-branch without −0 needs no patch, and
  // neither does a where whose else-branch is such a constant, once the branches are swapped.
  const [, thenNode, elseNode] = node.inputs as [Node, Node, Node];
  const notNegZero = (v: number) => !Object.is(v, -0);
  if (constantWhere(ctx, thenNode, notNegZero)) return B.op('Where', [c!, a!, b!]);
  if (constantWhere(ctx, elseNode, notNegZero)) {
    // Xor with true, not Not: onnxruntime's optimizer folds Where(Not(c), x, y) back to Where(c, y, x).
    return B.op('Where', [B.op('Xor', [c!, B.scalar(1, 'bool')]), b!, a!]);
  }
  const picked = B.op('Where', [c!, a!, b!]);
  const dtype = node.dtype;
  // a = −0 exactly: a == 0 and 1/a < 0 (1/a alone also overflows to −∞ for negative subnormals)
  const negZero = B.op('And', [
    isZero(ctx, a!, dtype),
    B.op('Less', [B.op('Div', [B.scalar(1, dtype), a!]), B.scalar(0, dtype)]),
  ]);
  const flip = B.op('Where', [B.op('And', [c!, negZero]), B.scalar(-1, dtype), B.scalar(1, dtype)]);
  return B.op('Mul', [picked, flip]);
};

/**
 * float → int32 saturates at the int32 range and maps NaN to 0; onnxruntime's Cast is C's
 * undefined behaviour there (it yields INT_MIN). In-range values truncate as Cast does.
 */
const castRule: LowerRule = (ctx, node, [x]) => {
  const op = node.op;
  if (op.kind !== 'cast') throw new Error('internal: cast rule on a non-cast node');
  const from = dtypeOf(node);
  if (from === op.to) return ctx.b.op('Identity', [x!]);
  if (op.to !== 'int32' || !isFloat(from)) return cast(ctx, x!, op.to);
  const B = ctx.b;
  const high = B.op('GreaterOrEqual', [x!, B.scalar(2147483647, from)]);
  const low = B.op('LessOrEqual', [x!, B.scalar(-2147483648, from)]);
  const outside = B.op('Or', [B.op('Or', [high, low]), isNan(ctx, x!)]);
  const inRange = cast(ctx, B.op('Where', [outside, B.scalar(0, from), x!]), 'int32');
  const saturated = B.op('Where', [high, B.scalar(2147483647, 'int32'), inRange]);
  return B.op('Where', [low, B.scalar(-2147483648, 'int32'), saturated]);
};

export const ELEMENTWISE_RULES = {
  neg: direct('Neg'),
  exp: direct('Exp'),
  log: direct('Log'),
  sqrt: direct('Sqrt'),
  abs: direct('Abs'),
  sign,
  sin: direct('Sin'),
  cos: direct('Cos'),
  floor: rounding('Floor'),
  ceil: rounding('Ceil'),
  not: direct('Not'),
  add: direct('Add'),
  sub: direct('Sub'),
  mul: direct('Mul'),
  div,
  pow,
  // Max/Min propagate NaN in onnxruntime already (probed), unlike the reductions.
  maximum: direct('Max'),
  minimum: direct('Min'),
  and: direct('And'),
  or: direct('Or'),
  lt: ordering('Less'),
  le: ordering('LessOrEqual'),
  gt: ordering('Greater'),
  ge: ordering('GreaterOrEqual'),
  eq: direct('Equal'),
  ne: (ctx, _node, x) => ctx.b.op('Not', [ctx.b.op('Equal', x)]),
  where,
  cast: castRule,
} satisfies Partial<Record<PrimName, LowerRule>>;
