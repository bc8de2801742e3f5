import { fail } from '@reptile/core';

/**
 * References between layers in a Keras topology: inbound nodes (which values feed a layer) and
 * the model's input/output endpoints, in the list form tfjs and Keras 2 write and the
 * `{args: [keras tensors]}` form of Keras 3.
 */
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One call of the layer: Reptile layers have exactly one output, so shared layers are refused. */
export function readInbound(nodes: unknown, where: string): string[] {
  if (!Array.isArray(nodes) || nodes.length !== 1) {
    fail(`expected exactly one inbound node, got ${Array.isArray(nodes) ? nodes.length : typeof nodes}`, {
      where,
      hint: 'layers applied more than once (shared layers) are not supported; give each call its own layer',
    });
  }
  const node = nodes[0];
  if (Array.isArray(node)) return node.map((ref, i) => readRef(ref, `${where}[0][${i}]`));
  if (isObj(node) && Array.isArray(node.args)) {
    const refs = node.args.length === 1 && Array.isArray(node.args[0]) ? node.args[0] : node.args;
    return (refs as unknown[]).map((t, i) => {
      const at = `${where}[0].args[${i}]`;
      const history = isObj(t) && isObj(t.config) ? t.config.keras_history : undefined;
      if (!Array.isArray(history)) fail('expected a Keras tensor with keras_history', { where: at });
      return readRef(history, at);
    });
  }
  return fail('expected a list of [layer, node, tensor, kwargs] or {args, kwargs}', { where: `${where}[0]` });
}

function readRef(ref: unknown, where: string): string {
  if (!Array.isArray(ref) || typeof ref[0] !== 'string')
    fail('expected [layer name, node index, tensor index]', { where });
  // The node index counts every call of the layer object, including calls outside this model
  // (a nested model built on its own has node 0 from that build), so any index is accepted:
  // each layer has exactly one call inside this model (readInbound), and that is the one meant.
  if (!Number.isInteger(ref[1]) || ref[1] < 0) {
    fail(`node index ${JSON.stringify(ref[1])} of '${ref[0]}' is not a non-negative integer`, { where });
  }
  if (ref[2] !== 0) {
    fail(`refers to output ${JSON.stringify(ref[2])} of '${ref[0]}'`, {
      where,
      hint: 'only single-output layers are supported (no return_state)',
    });
  }
  return ref[0];
}

export function readEndpoints(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0)
    fail('expected a non-empty list of [layer, node, tensor]', { where });
  // Keras 3 writes a single endpoint as a flat [name, 0, 0].
  const list = typeof value[0] === 'string' ? [value] : value;
  return list.map((ref, i) => readRef(ref, `${where}[${i}]`));
}
