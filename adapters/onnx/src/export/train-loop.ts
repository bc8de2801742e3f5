import { ReptileError } from '@reptile/core';
import type { LowerOptions } from '../lower/context.ts';
import type { LoweredModel } from '../lower/lower.ts';
import { programModel } from '../program.ts';
import { attr, valueInfo } from '../proto/graph-builder.ts';
import type { GraphObject, ModelObject, NodeObject, ValueInfoObject } from '../proto/schema.ts';
import { int64Array, tensorProto } from '../proto/tensor.ts';
import { type TrainStepSpec, trainStepProgram } from './train-step.ts';

/**
 * `steps` training steps in one graph: the train step (trainStepProgram) becomes the body of an
 * ONNX `Loop` that carries the parameters, the optimizer state and the step index from one
 * iteration to the next, and takes iteration i's batch and learning rate from stacked inputs.
 *
 * Why: one `session.run` per step makes every step pay for handing all parameters and state to
 * onnxruntime and copying them back out (onnxruntime-node returns fresh copies of every output);
 * for a small model that is a third of the step (docs/onnx.md, "Several steps per run"). Inside
 * the Loop they stay in onnxruntime between steps. Keras calls this `steps_per_execution`.
 *
 * Exact: iteration i runs the same lowered step graph as a single-step run, so K steps here equal
 * K single steps bit for bit (tested).
 *
 * Inputs: `params.<name>`, `state.<path>` (as the train step), `x` [K, ...x], `y` [K, ...y],
 * `step` (float64 scalar: the 1-based index of the first update), `lr` [K] (float64: one per
 * update). Outputs: `new_params.<name>`, `new_state.<path>` after the K updates, `loss` [K] (each
 * step's objective before its update).
 */
export function trainLoopModel(spec: TrainStepSpec, steps: number, options: LowerOptions = {}): LoweredModel {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new ReptileError(`steps per run must be a positive integer, got ${steps}`, {
      where: 'onnx train loop',
    });
  }
  const single = trainStepProgram(spec);
  // The body's own names get a prefix so that they cannot shadow the outer graph's (ONNX scoping).
  const inner = (name: string) => `body.${name}`;
  const lowered = programModel(
    {
      ...single,
      inputs: single.inputs.map((i) => ({ ...i, name: inner(i.name) })),
      outputs: single.outputs.map((o) => ({ ...o, name: inner(o.name) })),
    },
    // carried values keep their shapes from one iteration to the next
    { ...options, exactOutputShapes: true },
  );
  const step = lowered.model.graph;
  const perIteration = new Set(['x', 'y', 'lr'].map(inner)); // taken from the stacked outer inputs
  const inputOf = (name: string) => step.input.find((v) => v.name === inner(name))!;
  const carriedIn = step.input.filter((v) => !perIteration.has(v.name));
  const carriedNames = carriedIn.map((v) => v.name.slice('body.'.length)); // params.*, state.*, step
  const updated = single.outputs.filter((o) => o.name !== 'loss').map((o) => inner(o.name));

  const iter = 'loop.iter';
  const cond = 'loop.cond';
  const prelude: NodeObject[] = (['x', 'y', 'lr'] as const).map((name) => ({
    name: `loop/take_${name}`,
    op_type: 'Gather',
    input: [name, iter], // `name` is the outer graph's stacked input
    output: [inner(name)],
    attribute: [attr.int('axis', 0)],
  }));
  const tail: NodeObject[] = [
    { name: 'loop/cond', op_type: 'Identity', input: [cond], output: ['loop.cond_out'], attribute: [] },
    {
      name: 'loop/next_step',
      op_type: 'Add',
      input: [inner('step'), 'loop.one'],
      output: ['loop.next_step'],
      attribute: [],
    },
  ];
  const outputOf = (name: string) => step.output.find((v) => v.name === name)!;
  const body: GraphObject = {
    name: `${step.name}.body`,
    node: [...prelude, ...step.node, ...tail],
    initializer: [...step.initializer, tensorProto('loop.one', 'float64', [], Float64Array.of(1))],
    input: [valueInfo(iter, 'int64', []), valueInfo(cond, 'bool', []), ...carriedIn],
    output: [
      valueInfo('loop.cond_out', 'bool', []),
      ...updated.map(outputOf),
      valueInfo('loop.next_step', 'float64', []),
      outputOf(inner('loss')),
    ],
  };

  /** One iteration's value info, named for the outer graph with the K axis in front. */
  const stacked = (v: ValueInfoObject, name: string): ValueInfoObject => {
    const dims = v.type.tensor_type.shape.dim;
    return {
      ...v,
      name,
      type: { tensor_type: { ...v.type.tensor_type, shape: { dim: [{ dim_value: steps }, ...dims] } } },
    };
  };
  const renamed = (v: ValueInfoObject, name: string): ValueInfoObject => ({ ...v, name });
  const outerOutputs = updated.map((n) => renamed(outputOf(n), n.slice('body.'.length)));
  const graph: GraphObject = {
    name: `reptile.train_loop.${steps}`,
    node: [
      {
        name: 'loop/Loop',
        op_type: 'Loop',
        input: ['loop.trips', '', ...carriedNames],
        output: [...outerOutputs.map((o) => o.name), 'loop.final_step', 'loss'],
        attribute: [attr.graph('body', body)],
      },
    ],
    initializer: [tensorProto('loop.trips', 'int64', [], int64Array([steps]))],
    input: [
      ...carriedIn
        .filter((v) => v.name !== inner('step'))
        .map((v) => renamed(v, v.name.slice('body.'.length))),
      stacked(inputOf('x'), 'x'),
      stacked(inputOf('y'), 'y'),
      renamed(inputOf('step'), 'step'),
      stacked(inputOf('lr'), 'lr'),
    ],
    output: [...outerOutputs, stacked(outputOf(inner('loss')), 'loss')],
  };
  checkNoShadowing(graph, body);
  const model: ModelObject = {
    ...lowered.model,
    doc_string: `${steps} training steps in one ONNX Loop: forward, loss, backward (Reptile autodiff), optimizer update per step.`,
    graph,
    metadata_props: [
      ...lowered.model.metadata_props.filter((p) => p.key !== 'reptile.kind'),
      { key: 'reptile.kind', value: 'train_loop' },
      { key: 'reptile.steps', value: String(steps) },
    ],
  };
  return { model, origin: lowered.origin };
}

/** Every name the outer graph defines must be unused inside the body (and its subgraphs). */
function checkNoShadowing(outer: GraphObject, body: GraphObject): void {
  const defined = new Set<string>();
  const visit = (g: GraphObject) => {
    for (const v of [...g.input, ...g.initializer]) defined.add(v.name);
    for (const n of g.node) {
      for (const o of n.output) defined.add(o);
      for (const a of n.attribute) if (a.g) visit(a.g);
    }
  };
  visit(body);
  const outerNames = [
    ...outer.input.map((v) => v.name),
    ...outer.initializer.map((t) => t.name),
    ...outer.node.flatMap((n) => n.output),
  ];
  const clash = outerNames.find((n) => n !== '' && defined.has(n));
  if (clash !== undefined) throw new Error(`internal: train loop value '${clash}' is defined in both scopes`);
}
