import { fail, type Node, type PrimName } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { conv2dKernel } from './conv.ts';
import { tfDType } from './dtypes.ts';
import { broadcast, slice, where } from './movement.ts';
import type { Quirks } from './quirks.ts';

/**
 * One tfjs mapping per primitive of docs/protocol.md. Elementwise kernels may receive operands
 * that are not yet broadcast to the node's shape (the evaluator keeps `expand` lazy and lets tfjs
 * broadcast natively, so a scalar hyper-parameter never becomes a full-size tensor); every other
 * kernel receives full-shape operands. Fix-ups make tfjs match the protocol's edge cases: int32
 * division truncates, float→int32 casts saturate, NaN wins argmax and propagates through
 * maximum/minimum, and so on (each checked against the reference backend in kernels.test.ts).
 */
export type Kernel = (node: Node, inputs: readonly tf.Tensor[], quirks: Quirks) => tf.Tensor;

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

const isNaNTensor = (x: tf.Tensor) => tf.notEqual(x, x);
const isFloatNode = (n: Node) => n.dtype === 'float32' || n.dtype === 'float64';
const leaf: Kernel = (node) => fail(`internal: leaf ${node.op.kind} reached the kernel table`);

/** Returns NaN wherever an operand is NaN (for backends whose max/min drop NaN). */
function keepNaN(out: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return where(isNaNTensor(a), a, where(isNaNTensor(b), b, out));
}

const maxMin =
  (op: 'maximum' | 'minimum'): Kernel =>
  (node, [a, b], q) => {
    const out = op === 'maximum' ? tf.maximum(a!, b!) : tf.minimum(a!, b!);
    return q.maxPropagatesNaN || !isFloatNode(node) ? out : keepNaN(out, a!, b!);
  };

/** Protocol int32 division: truncate toward zero, x / 0 = 0 (tfjs floors, and wasm traps or returns INT32_MIN). */
function int32Div(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const zero = tf.equal(b, 0);
  const safe = where(zero, tf.scalar(1, 'int32'), b);
  const q = tf.floorDiv(a, safe);
  const inexact = tf.notEqual(tf.sub(a, tf.mul(q, safe)), 0);
  const signsDiffer = tf.logicalXor(tf.less(a, 0), tf.less(safe, 0));
  const truncated = where(tf.logicalAnd(inexact, signsDiffer), tf.add(q, tf.scalar(1, 'int32')), q);
  return where(zero, tf.scalar(0, 'int32'), truncated);
}

/**
 * a·b mod 2^32 from products that stay below 2^53, for backends that multiply int32 in doubles:
 * b = hi·2^16 + lo with 0 ≤ lo < 2^16, so each partial product is exact before it wraps.
 */
function int32MulExact(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const base = tf.scalar(65536, 'int32');
  const hi = tf.floorDiv(b, base);
  const lo = tf.sub(b, tf.mul(hi, base));
  return tf.add(tf.mul(a, lo), tf.mul(tf.mul(a, hi), base));
}

/** float → int32 truncates toward zero, saturates at the int32 range and maps NaN to 0. */
function castToInt32(x: tf.Tensor): tf.Tensor {
  const high = tf.greaterEqual(x, 2147483648);
  const low = tf.lessEqual(x, INT32_MIN);
  const safe = where(tf.logicalOr(isNaNTensor(x), tf.logicalOr(high, low)), tf.zerosLike(x), x);
  const cast = tf.cast(safe, 'int32');
  return where(high, tf.scalar(INT32_MAX, 'int32'), where(low, tf.scalar(INT32_MIN, 'int32'), cast));
}

const cast: Kernel = (node, [x]) => {
  const op = node.op;
  if (op.kind !== 'cast') return fail('internal: cast kernel on another op');
  const from = node.inputs[0]!.dtype;
  const to = tfDType(op.to);
  if (tfDType(from) === to) return x!;
  // tfjs' own cast to bool gives NaN → false (wasm) or keeps 2 as 2; ≠ 0 is the protocol's rule.
  if (to === 'bool') return tf.notEqual(x!, tf.scalar(0, x!.dtype));
  if (to === 'int32' && from !== 'bool') return castToInt32(x!);
  return tf.cast(x!, to);
};

/** sign(±0) = ±0 and sign(NaN) = NaN (Math.sign); tfjs gives 0, and wasm also for tiny |x|. */
const sign: Kernel = (node, [x]) => {
  const one = tf.scalar(1, tfDType(node.dtype));
  return where(tf.greater(x!, 0), one, where(tf.less(x!, 0), tf.neg(one), x!));
};

const pow: Kernel = (node, [a, b], q) => {
  const out = tf.pow(a!, b!);
  if (q.powIsMathPow || !isFloatNode(node)) return out;
  const unitToInf = tf.logicalAnd(tf.equal(tf.abs(a!), 1), tf.equal(tf.abs(b!), Number.POSITIVE_INFINITY));
  return where(tf.logicalOr(isNaNTensor(b!), unitToInf), tf.scalar(Number.NaN), out);
};

function reduceAxes(node: Node): number[] {
  const op = node.op;
  return op.kind === 'reduce' ? [...op.axes] : fail('internal: reduce kernel on another op');
}

/** Reductions are reshaped to the node's shape, which covers keepDims (tf.argMax has none). */
const reduce =
  (fn: 'sum' | 'max' | 'min'): Kernel =>
  (node, [x], q) => {
    const axes = reduceAxes(node);
    if (x!.size === 0) return tf.zeros([...node.shape], tfDType(node.dtype)); // wasm sums garbage here
    let out = fn === 'sum' ? tf.sum(x!, axes) : fn === 'max' ? tf.max(x!, axes) : tf.min(x!, axes);
    if (fn !== 'sum' && !q.reducePropagatesNaN && isFloatNode(node)) {
      const anyNaN = tf.greater(tf.max(tf.cast(isNaNTensor(x!), 'float32'), axes), 0);
      out = where(anyNaN, tf.scalar(Number.NaN), out);
    }
    return tf.reshape(out, [...node.shape]);
  };

const argmax: Kernel = (node, [x]) => {
  const axis = reduceAxes(node)[0]!;
  const plain = tf.argMax(x!, axis);
  if (!isFloatNode(node.inputs[0]!)) return tf.reshape(plain, [...node.shape]);
  // The protocol counts NaN as the maximum (first NaN wins); tfjs skips NaN.
  const nan = tf.cast(isNaNTensor(x!), 'float32');
  const out = where(tf.greater(tf.max(nan, axis), 0), tf.argMax(nan, axis), plain);
  return tf.reshape(out, [...node.shape]);
};

const matmul: Kernel = (node, [a, b]) => {
  if (node.dtype === 'int32') return int32MatMulOnHost(node, a!, b!);
  const sa = node.inputs[0]!.shape;
  const sb = node.inputs[1]!.shape;
  if (sa.length <= 3) return tf.matMul(a!, b!);
  // tfjs batches one leading axis; fold the (identical) batch dims into it.
  const batch = sa.slice(0, -2).reduce((x, y) => x * y, 1);
  const a3 = tf.reshape(a!, [batch, sa[sa.length - 2]!, sa[sa.length - 1]!]);
  const b3 = tf.reshape(b!, [batch, sb[sb.length - 2]!, sb[sb.length - 1]!]);
  return tf.reshape(tf.matMul(a3, b3), [...node.shape]);
};

/**
 * tfjs has no int32 matmul on wasm and rounds through float32 on cpu, so int32 products (never
 * on a training path) are computed on the host exactly as the reference does.
 */
function int32MatMulOnHost(node: Node, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const av = a.dataSync();
  const bv = b.dataSync();
  const sa = node.inputs[0]!.shape;
  const m = sa[sa.length - 2]!;
  const k = sa[sa.length - 1]!;
  const n = node.shape[node.shape.length - 1]!;
  const out = new Int32Array(node.size);
  const batches = node.size / Math.max(m * n, 1);
  for (let t = 0; t < batches; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += av[t * m * k + i * k + p]! * bv[t * k * n + p * n + j]!;
        out[t * m * n + i * n + j] = acc | 0;
      }
    }
  }
  return tf.tensor(out, [...node.shape], 'int32');
}

const unaryFloat =
  (fn: (x: tf.Tensor) => tf.Tensor): Kernel =>
  (node, [x]) =>
    isFloatNode(node) ? fn(x!) : x!;

export const KERNELS: Record<PrimName, Kernel> = {
  constant: leaf,
  input: leaf,
  neg: (_, x) => tf.neg(x[0]!),
  exp: (_, x) => tf.exp(x[0]!),
  log: (_, x) => tf.log(x[0]!),
  sqrt: (_, x) => tf.sqrt(x[0]!),
  abs: (_, x) => tf.abs(x[0]!),
  sign,
  sin: (_, x) => tf.sin(x[0]!),
  cos: (_, x) => tf.cos(x[0]!),
  // floor/ceil of an int32 is itself (tfjs refuses int32 input)
  floor: unaryFloat(tf.floor),
  ceil: unaryFloat(tf.ceil),
  not: (_, x) => tf.logicalNot(x[0]!),
  add: (_, x) => tf.add(x[0]!, x[1]!),
  sub: (_, x) => tf.sub(x[0]!, x[1]!),
  mul: (node, x, q) =>
    node.dtype === 'int32' && !q.int32MulExact ? int32MulExact(x[0]!, x[1]!) : tf.mul(x[0]!, x[1]!),
  div: (node, x) => (node.dtype === 'int32' ? int32Div(x[0]!, x[1]!) : tf.div(x[0]!, x[1]!)),
  pow,
  maximum: maxMin('maximum'),
  minimum: maxMin('minimum'),
  and: (_, x) => tf.logicalAnd(x[0]!, x[1]!),
  or: (_, x) => tf.logicalOr(x[0]!, x[1]!),
  lt: (_, x) => tf.less(x[0]!, x[1]!),
  le: (_, x) => tf.lessEqual(x[0]!, x[1]!),
  gt: (_, x) => tf.greater(x[0]!, x[1]!),
  ge: (_, x) => tf.greaterEqual(x[0]!, x[1]!),
  eq: (_, x) => tf.equal(x[0]!, x[1]!),
  ne: (_, x) => tf.notEqual(x[0]!, x[1]!),
  where: (_, x) => where(x[0]!, x[1]!, x[2]!),
  sum: reduce('sum'),
  max: reduce('max'),
  min: reduce('min'),
  argmax,
  reshape: (node, [x]) => tf.reshape(x!, [...node.shape]),
  transpose: (node, [x]) => {
    const op = node.op;
    return op.kind === 'transpose' ? tf.transpose(x!, [...op.perm]) : fail('internal: transpose kernel');
  },
  // Only reached when a full value is needed (see evaluate.ts): broadcasting is otherwise lazy.
  expand: (node, [x]) => broadcast(x!, node.shape),
  slice: (node, [x]) => {
    const op = node.op;
    return op.kind === 'slice'
      ? slice(x!, op.begin, node.shape)
      : fail('internal: slice kernel on another op');
  },
  concat: (node, xs) => {
    const op = node.op;
    return op.kind === 'concat' ? tf.concat([...xs], op.axis) : fail('internal: concat kernel');
  },
  pad: (node, [x]) => {
    const op = node.op;
    if (op.kind !== 'pad') return fail('internal: pad kernel on another op');
    return tf.pad(
      x!,
      op.pads.map(([lo, hi]) => [lo, hi] as [number, number]),
      op.value,
    );
  },
  matmul,
  conv2d: conv2dKernel,
  cast,
};

/**
 * Nodes whose value is their input's tensor object itself (lazy expand, same-storage casts,
 * floor/ceil of int32): the evaluator must not free the input while such a node is still read.
 */
export function aliasesInput(node: Node): boolean {
  const op = node.op;
  if (op.kind === 'expand') return true;
  if (op.kind === 'cast') return tfDType(op.to) === tfDType(node.inputs[0]!.dtype);
  return op.kind === 'unary' && (op.fn === 'floor' || op.fn === 'ceil') && !isFloatNode(node);
}

/** Kernels that accept operands not yet broadcast to the node's shape. */
export function acceptsLazyBroadcast(node: Node): boolean {
  const k = node.op.kind;
  return k === 'unary' || k === 'binary' || k === 'compare' || k === 'where' || k === 'cast';
}
