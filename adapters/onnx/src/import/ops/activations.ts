import { ops, Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import { erf } from './math.ts';

// ONNX's defaults are these constants rounded to float32.
const SELU_ALPHA = Math.fround(1.6732632423543772);
const SELU_GAMMA = Math.fround(1.0507009873554805);

const act =
  (fn: (x: Tensor, ctx: OpContext) => Tensor): OpImpl =>
  (ctx) => {
    const x = ctx.tensor(0);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') ctx.fail(`input must be float, got ${ctx.elem(0)}`);
    return [fn(x, ctx)];
  };

/**
 * Softmax-like ops: before opset 13 the input is coerced to 2-D at `axis` (default 1) and the
 * op runs over everything after it; from 13 it runs over the one axis (default -1).
 */
const softmaxLike =
  (fn: (x: Tensor, axis: number) => Tensor): OpImpl =>
  (ctx) => {
    const x = ctx.tensor(0);
    if (ctx.opset >= 13) return [fn(x, ctx.axis(ctx.int('axis', -1), x.rank))];
    const axis = ctx.axis(ctx.int('axis', 1), Math.max(x.rank, 1));
    const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    return [fn(x.reshape([outer, -1]), 1).reshape(x.shape)];
  };

export const ACTIVATION_OPS: Record<string, OpImpl> = {
  Relu: act((x) => ops.relu(x)),
  Sigmoid: act((x) => ops.sigmoid(x)),
  Tanh: act((x) => ops.tanh(x)),
  Softplus: act((x) => ops.softplus(x)),
  Softsign: act((x) => x.div(x.abs().add(1))),
  LeakyRelu: act((x, ctx) => {
    const alpha = ctx.float('alpha', 0.01);
    return Tensor.where(x.ge(0), x, x.mul(alpha));
  }),
  Elu: act((x, ctx) => {
    const alpha = ctx.float('alpha', 1);
    return Tensor.where(x.gt(0), x, x.exp().sub(1).mul(alpha));
  }),
  Celu: act((x, ctx) => {
    const alpha = ctx.float('alpha', 1);
    return x.maximum(0).add(x.div(alpha).exp().sub(1).mul(alpha).minimum(0));
  }),
  Selu: act((x, ctx) => {
    const alpha = ctx.float('alpha', SELU_ALPHA);
    const gamma = ctx.float('gamma', SELU_GAMMA);
    return Tensor.where(x.gt(0), x, x.exp().sub(1).mul(alpha)).mul(gamma);
  }),
  ThresholdedRelu: act((x, ctx) => Tensor.where(x.gt(ctx.float('alpha', 1)), x, 0)),
  HardSigmoid: act((x, ctx) =>
    x.mul(ctx.float('alpha', 0.2)).add(ctx.float('beta', 0.5)).maximum(0).minimum(1),
  ),
  HardSwish: act((x) => x.mul(x.div(6).add(0.5).maximum(0).minimum(1))),
  Mish: act((x) => x.mul(ops.tanh(ops.softplus(x)))),
  PRelu: (ctx) => {
    const x = ctx.tensor(0);
    return [Tensor.where(x.ge(0), x, x.mul(ctx.tensor(1)))];
  },
  Gelu: act((x, ctx) => {
    const approximate = ctx.string('approximate', 'none');
    if (approximate === 'tanh') {
      const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      return x.mul(ops.tanh(inner).add(1)).mul(0.5);
    }
    if (approximate !== 'none') ctx.fail(`approximate = '${approximate}' is not one of none, tanh`);
    return x.mul(erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5);
  }),
  Softmax: softmaxLike((x, axis) => ops.softmax(x, axis)),
  LogSoftmax: softmaxLike((x, axis) => ops.logSoftmax(x, axis)),
};
