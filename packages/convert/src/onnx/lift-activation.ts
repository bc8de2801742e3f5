import { fail, type JsonObject } from '@reptile/core';
import type { OnnxNode } from '@reptile/onnx';
import type { Lifter } from './lift.ts';
import { attrFloat, attrInt, attrString } from './lift-attrs.ts';

/** ONNX activation ops Reptile's activations equal exactly (with these attributes). */
export function activationOf(node: OnnxNode, lifter: Lifter): string | undefined {
  const is = (name: string, value: number) => Math.abs(attrFloat(node, name, value) - value) < 1e-7;
  switch (node.opType) {
    case 'Relu':
      return 'relu';
    case 'Sigmoid':
      return 'sigmoid';
    case 'Tanh':
      return 'tanh';
    case 'Softplus':
      return 'softplus';
    case 'Elu':
      return is('alpha', 1) ? 'elu' : undefined;
    case 'Selu':
      return is('alpha', 1.6732632423543772) && is('gamma', 1.0507009873554805) ? 'selu' : undefined;
    case 'LeakyRelu':
      return is('alpha', 0.01) ? 'leakyRelu' : undefined;
    case 'Gelu':
      return attrString(node, 'approximate', 'none') === 'none' ? 'gelu' : undefined;
    case 'Softmax': {
      const rank = lifter.fullShape(node.inputs[0]!).length;
      const axis = attrInt(node, 'axis', lifter.model.opset >= 13 ? -1 : 1);
      return axis === -1 || axis === rank - 1 ? 'softmax' : undefined;
    }
    default:
      return undefined;
  }
}

/** When `output`'s only reader is an activation, folds it into the layer that produced `output`. */
export function fuseActivation(entry: { config: JsonObject }, output: string, lifter: Lifter): void {
  const next = lifter.soleConsumer(output);
  if (!next) return;
  const activation = activationOf(next, lifter);
  if (!activation) return;
  entry.config = { ...entry.config, activation };
  lifter.consumed.add(next);
  const ref = lifter.sym(output);
  if (ref?.kind === 'tensor') lifter.alias(next.outputs[0]!, ref.ref);
}

export function activationRule(node: OnnxNode, lifter: Lifter): void {
  const activation =
    activationOf(node, lifter) ??
    fail("has attributes Reptile's activations do not match (e.g. a non-default alpha or axis)", {
      where: lifter.where(node),
    });
  lifter.addLayer(
    'activation',
    'Activation',
    { activation },
    [lifter.tensorInput(node, 0)],
    node.outputs[0]!,
  );
}
