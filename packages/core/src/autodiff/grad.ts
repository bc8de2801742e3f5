import { isFloat } from '../dtype.ts';
import { fail } from '../errors.ts';
import { type Node, topoSort } from '../ir/node.ts';
import { primName } from '../ir/op.ts';
import { Tensor } from '../tensor/tensor.ts';
import { GRAD_RULES } from './rules.ts';

/**
 * Reverse-mode gradients of `y` with respect to each of `xs`, as lazy tensors (so they can be
 * realised eagerly or traced). `seed` is the cotangent of y (ones when omitted; y must then be a
 * scalar). Tensors that y does not depend on get zeros.
 */
export function grad(y: Tensor, xs: readonly Tensor[], seed?: Tensor): Tensor[] {
  if (!isFloat(y.dtype)) fail(`cannot differentiate a ${y.dtype} tensor`, { where: 'grad' });
  if (!seed && y.size !== 1) {
    fail(`y has shape [${y.shape.join(',')}]; gradients need a scalar or an explicit seed`, {
      where: 'grad',
      hint: 'reduce y (e.g. .sum()) or pass a seed of the same shape',
    });
  }
  const targets = new Set(xs.map((x) => x.node));
  const order = topoSort([y.node]);
  const relevant = new Set<Node>();
  for (const n of order) if (targets.has(n) || n.inputs.some((i) => relevant.has(i))) relevant.add(n);

  const cotangents = new Map<Node, Tensor>([[y.node, seed ?? Tensor.ones(y.shape, y.dtype)]]);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k]!;
    const g = cotangents.get(node);
    if (!g || node.inputs.length === 0 || !relevant.has(node)) continue;
    const inputs = node.inputs.map((i) => new Tensor(i));
    const parts = GRAD_RULES[primName(node.op)](g, inputs, new Tensor(node), node);
    node.inputs.forEach((input, i) => {
      const part = parts[i];
      if (!part || !relevant.has(input) || !isFloat(input.dtype)) return;
      const previous = cotangents.get(input);
      cotangents.set(input, previous ? previous.add(part) : part);
    });
  }
  return xs.map((x) => cotangents.get(x.node) ?? Tensor.zeros(x.shape, x.dtype));
}

/** f's value and its gradient with respect to every argument. */
export function valueAndGrad(
  f: (...args: Tensor[]) => Tensor,
): (...args: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...args) => {
    const value = f(...args);
    return { value, grads: grad(value, args) };
  };
}
