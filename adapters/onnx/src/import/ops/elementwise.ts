import { ops, Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { elemOf } from '../tensor-proto.ts';
import { protocolDType, Value } from '../value.ts';
import { erf } from './math.ts';

const unary =
  (fn: (x: Tensor) => Tensor): OpImpl =>
  (ctx) => [ctx.like(fn(ctx.tensor(0)))];

const binary =
  (fn: (a: Tensor, b: Tensor) => Tensor): OpImpl =>
  (ctx) => [ctx.like(fn(ctx.tensor(0), ctx.tensor(1)))];

/** Multi-input Sum/Mean/Max/Min with NumPy broadcasting between all inputs. */
const variadic =
  (fn: (a: Tensor, b: Tensor) => Tensor, mean = false): OpImpl =>
  (ctx) => {
    let acc = ctx.tensor(0);
    for (let i = 1; i < ctx.inputCount; i++) acc = fn(acc, ctx.tensor(i));
    return [ctx.like(mean ? acc.div(ctx.inputCount) : acc)];
  };

/** Elementwise float-only ops refuse integer inputs with a clear message instead of a backend error. */
function float(ctx: OpContext, i = 0): Tensor {
  const t = ctx.tensor(i);
  if (t.dtype !== 'float32' && t.dtype !== 'float64')
    ctx.fail(`input ${i} must be float, got ${ctx.elem(i)}`);
  return t;
}

const floatUnary =
  (fn: (x: Tensor, ctx: OpContext) => Tensor): OpImpl =>
  (ctx) => [fn(float(ctx), ctx)];

function cast(t: Tensor, toElem: Value['elem']): Value {
  // The protocol casts float→int by truncation (as ONNX does for in-range values).
  return Value.of(t.cast(protocolDType(toElem)), toElem, false);
}

export const ELEMENTWISE_OPS: Record<string, OpImpl> = {
  Identity: (ctx) => [ctx.value(0)],
  Abs: unary((x) => x.abs()),
  Neg: unary((x) => x.neg()),
  Sign: unary((x) => x.sign()),
  Floor: unary((x) => x.floor()),
  Ceil: unary((x) => x.ceil()),
  Exp: floatUnary((x) => x.exp()),
  Log: floatUnary((x) => x.log()),
  Sqrt: floatUnary((x) => x.sqrt()),
  Sin: floatUnary((x) => x.sin()),
  Cos: floatUnary((x) => x.cos()),
  Tan: floatUnary((x) => x.sin().div(x.cos())),
  Reciprocal: floatUnary((x) => ops.reciprocal(x)),
  Erf: floatUnary((x) => erf(x)),
  Not: unary((x) => x.logicalNot()),
  Add: binary((a, b) => a.add(b)),
  Sub: binary((a, b) => a.sub(b)),
  Mul: binary((a, b) => a.mul(b)),
  Div: binary((a, b) => a.div(b)),
  Pow: (ctx) => {
    const base = ctx.tensor(0);
    return [ctx.like(base.pow(ctx.tensor(1).cast(base.dtype)))];
  },
  And: binary((a, b) => a.logicalAnd(b)),
  Or: binary((a, b) => a.logicalOr(b)),
  Xor: binary((a, b) => a.ne(b)),
  Equal: binary((a, b) => a.eq(b)),
  Less: binary((a, b) => a.lt(b)),
  LessOrEqual: binary((a, b) => a.le(b)),
  Greater: binary((a, b) => a.gt(b)),
  GreaterOrEqual: binary((a, b) => a.ge(b)),
  Max: variadic((a, b) => a.maximum(b)),
  Min: variadic((a, b) => a.minimum(b)),
  Sum: variadic((a, b) => a.add(b)),
  Mean: variadic((a, b) => a.add(b), true),
  Where: (ctx) => [ctx.like(Tensor.where(ctx.tensor(0), ctx.tensor(1), ctx.tensor(2)), 1)],
  Clip: (ctx) => {
    let x = ctx.tensor(0);
    if (ctx.opset < 11) {
      x = x.maximum(ctx.float('min', -Infinity)).minimum(ctx.float('max', Infinity));
    } else {
      if (ctx.has(1)) x = x.maximum(ctx.tensor(1));
      if (ctx.has(2)) x = x.minimum(ctx.tensor(2));
    }
    return [ctx.like(x)];
  },
  Cast: (ctx) => {
    ctx.refuse('saturate', (a) => a.i === 1);
    return [cast(ctx.tensor(0), elemOf(ctx.int('to', 0), `${ctx.where}: attribute to`))];
  },
  CastLike: (ctx) => [cast(ctx.tensor(0), ctx.elem(1))],
  Dropout: (ctx) => {
    // Inference: identity. training_mode (input 2) must be statically false.
    if (ctx.has(2) && ctx.numbers(2)?.[0])
      ctx.fail('training_mode = true is not supported', 'import for inference only');
    const x = ctx.tensor(0);
    return [ctx.like(x), Tensor.ones(ctx.guard(x.shape), 'bool')];
  },
};
