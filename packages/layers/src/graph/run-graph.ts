import type { Tensor } from '@reptile/core';
import { activate } from '../activations.ts';
import type { CallContext, Layer } from '../layer.ts';
import type { NamedWeightSpec } from '../sequential.ts';
import { MergeLayer } from './merge.ts';

/** The pieces of a built graph a forward pass needs. */
export interface RunnableGraph {
  readonly nodes: readonly { readonly layer: Layer; readonly inbound: readonly string[] }[];
  readonly specs: readonly NamedWeightSpec[];
}

/**
 * Runs every node in order on `values` (which holds the inputs and receives each layer's
 * output under the layer's name). Layers named in `logitsFor` also leave their pre-activation
 * value in the returned map.
 */
export function runGraph(
  graph: RunnableGraph,
  weights: readonly Tensor[],
  values: Map<string, Tensor>,
  ctx: CallContext,
  logitsFor: ReadonlySet<string>,
): Map<string, Tensor> {
  const byLayer: Record<string, Tensor>[] = graph.nodes.map(() => ({}));
  graph.specs.forEach((spec, i) => {
    byLayer[spec.layer]![spec.name] = weights[i]!;
  });
  const logits = new Map<string, Tensor>();
  graph.nodes.forEach(({ layer, inbound }, i) => {
    const xs = inbound.map((n) => values.get(n)!);
    const w = byLayer[i]!;
    if (layer instanceof MergeLayer) {
      values.set(layer.name, layer.callMany(xs, w, ctx));
    } else if (logitsFor.has(layer.name)) {
      // call(x) = activation(callWithoutOutputActivation(x)) by the Layer contract, so the
      // layer runs once (one Dropout mask, one set of BatchNorm updates) for both values.
      const pre = layer.callWithoutOutputActivation(xs[0]!, w, ctx);
      const act = layer.outputActivation;
      logits.set(layer.name, pre);
      values.set(layer.name, act ? activate(act, pre) : pre);
    } else {
      values.set(layer.name, layer.call(xs[0]!, w, ctx));
    }
  });
  return logits;
}
