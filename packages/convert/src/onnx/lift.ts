import { fail, type JsonObject, ReptileError, Tensor } from '@reptile/core';
import type { OnnxModelDescription, OnnxNode } from '@reptile/onnx';
import type { PortableModel } from '../portable.ts';
import { LIFT_RULES } from './lift-rules.ts';
import { probeShapes } from './probe.ts';

/**
 * What an ONNX value is while lifting:
 * - `tensor`: a value of the Functional graph (an input or a layer's output), batch on axis 0;
 * - `const`: an initializer or Constant (weights, shapes, axes), read on the host;
 * - `static`: computed only from constants and shapes (exporters' Shape → Gather → Concat →
 *   ConstantOfShape chains, e.g. an LSTM's zero initial state), consumed only by rules that
 *   understand it;
 * - `time-major`: an exporter's Transpose in front of an LSTM/GRU (Keras layers take [N, T, I]);
 * - `rnn`: an LSTM/GRU output in ONNX's time-major layout, on its way to the batch-major value
 *   a Keras-style recurrent layer returns (see lift-recurrent.ts).
 */
export type Sym =
  | { readonly kind: 'tensor'; readonly ref: string }
  | { readonly kind: 'const'; readonly value: Tensor }
  | { readonly kind: 'static'; readonly node: OnnxNode }
  /** A batch-major value transposed to ONNX's time-major [T, N, I], read only by LSTM/GRU. */
  | { readonly kind: 'time-major'; readonly ref: string }
  | { readonly kind: 'rnn'; readonly rnn: PendingRnn; readonly stage: RnnStage };

/** ONNX recurrent outputs: Y is [T, dirs, N, H] (layout 0), Y_h is [dirs, N, H]. */
export type RnnStage = 'Y' | 'Y-squeezed' | 'sequence' | 'Y_h';

export interface PendingRnn {
  readonly node: OnnxNode;
  readonly className: 'LSTM' | 'GRU';
  readonly config: JsonObject;
  readonly inbound: string;
  readonly weights: Record<string, Tensor>;
  /** Set once the layer is emitted: with returnSequences true (whole sequence) or false. */
  emitted?: { readonly returnSequences: boolean; readonly ref: string };
}

export interface LayerEntry {
  readonly className: string;
  config: JsonObject;
  readonly inbound: readonly string[];
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Turns an ONNX graph into Reptile's portable description (docs/models.md): each group of
 * nodes an exporter emits for one layer (Gemm; MatMul + Add; Conv; LSTM with its transposes and
 * zero initial state) becomes that layer, with its weights converted to Reptile's conventions
 * (kernels [in, out] and HWIO, Keras gate orders). Image layers keep ONNX's NCHW layout as
 * `dataFormat: 'channelsFirst'`, so the lifted model takes exactly the original inputs.
 *
 * A node no rule covers is refused with its name, index and op type: lifting is for converting
 * to a layer format (tfjs); `reptile run` executes any supported ONNX graph without lifting.
 */
export class Lifter {
  readonly shapes: Map<string, readonly number[]>;
  readonly layers: LayerEntry[] = [];
  readonly weights: Record<string, Tensor> = {};
  private readonly syms = new Map<string, Sym>();
  private readonly consumers = new Map<string, OnnxNode[]>();
  private readonly graphOutputs: Set<string>;
  /** Nodes already covered by a rule that looked ahead (a fused activation, a bias Add). */
  readonly consumed = new Set<OnnxNode>();
  private readonly counters = new Map<string, number>();
  readonly inputNames = new Map<string, string>();

  constructor(readonly model: OnnxModelDescription) {
    this.shapes = probeShapes(model);
    this.graphOutputs = new Set(model.outputs.map((o) => o.name));
    for (const node of model.nodes)
      for (const input of node.inputs) {
        if (input === '') continue;
        const list = this.consumers.get(input) ?? [];
        list.push(node);
        this.consumers.set(input, list);
      }
    for (const [name, host] of model.initializers) {
      const data = host.elem === 'int64' || host.elem === 'bool' ? Float64Array.from(host.data) : host.data;
      const dtype = host.elem === 'float32' ? 'float32' : 'float64';
      this.syms.set(name, { kind: 'const', value: Tensor.fromData(data, host.dims, dtype) });
    }
  }

  where(node: OnnxNode): string {
    return `${this.model.source}: node ${node.index} '${node.name}' (${node.opType})`;
  }

  sym(name: string): Sym | undefined {
    return this.syms.get(name);
  }

  setSym(name: string, sym: Sym): void {
    this.syms.set(name, sym);
  }

  /** Per-sample shape (batch axis dropped) of a graph value. */
  perSample(name: string): number[] {
    return [
      ...(this.shapes.get(name) ?? fail(`no shape known for '${name}'`, { where: this.model.source })),
    ].slice(1);
  }

  fullShape(name: string): readonly number[] {
    return this.shapes.get(name) ?? fail(`no shape known for '${name}'`, { where: this.model.source });
  }

  /** The only node reading `name`, when nothing else (no other node, no graph output) does. */
  soleConsumer(name: string): OnnxNode | undefined {
    const list = this.consumers.get(name) ?? [];
    return list.length === 1 && !this.graphOutputs.has(name) ? list[0] : undefined;
  }

  consumersOf(name: string): readonly OnnxNode[] {
    return this.consumers.get(name) ?? [];
  }

  /** Input `i` of `node` as a graph value; an RNN output is emitted as a layer on first use here. */
  tensorInput(node: OnnxNode, i: number): string {
    const name = node.inputs[i] ?? '';
    const sym = this.syms.get(name);
    if (sym?.kind === 'tensor') return sym.ref;
    if (sym?.kind === 'rnn' && sym.stage === 'sequence') return this.emitRnn(sym.rnn, true);
    return fail(`input ${i} '${name}' must be a value computed from the model's inputs`, {
      where: this.where(node),
      hint:
        sym?.kind === 'rnn'
          ? 'this use of a recurrent output has no Keras-style equivalent'
          : 'computed constants are only understood as weights, shapes and axes',
    });
  }

  /** Input `i` as a constant (an initializer or a Constant node); absent optional inputs give undefined. */
  constInput(node: OnnxNode, i: number, what: string): Tensor | undefined {
    const name = node.inputs[i] ?? '';
    if (name === '') return undefined;
    const sym = this.syms.get(name);
    if (sym?.kind === 'const') return sym.value;
    return fail(`input ${i} ('${what}') must be a constant (an initializer)`, {
      where: this.where(node),
      hint: 'weights computed at run time cannot become layer weights',
    });
  }

  requireConst(node: OnnxNode, i: number, what: string): Tensor {
    return (
      this.constInput(node, i, what) ?? fail(`input ${i} ('${what}') is missing`, { where: this.where(node) })
    );
  }

  /** A fresh layer name, `<prefix>_<n>` as Keras numbers them. */
  layerName(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}_${n}`;
  }

  /** Appends a layer reading `inbound`; `output` (an ONNX value) becomes its output. */
  addLayer(
    prefix: string,
    className: string,
    config: JsonObject,
    inbound: readonly string[],
    output: string,
    weights: Readonly<Record<string, Tensor>> = {},
  ): LayerEntry {
    const name = this.layerName(prefix);
    const entry: LayerEntry = { className, config: { name, ...config }, inbound };
    this.layers.push(entry);
    for (const [local, value] of Object.entries(weights)) this.weights[`${name}/${local}`] = value;
    this.syms.set(output, { kind: 'tensor', ref: name });
    return entry;
  }

  /** Makes `output` another name for an existing graph value (Identity, inference Dropout). */
  alias(output: string, ref: string): void {
    this.syms.set(output, { kind: 'tensor', ref });
  }

  emitRnn(rnn: PendingRnn, returnSequences: boolean): string {
    if (rnn.emitted) {
      if (rnn.emitted.returnSequences === returnSequences) return rnn.emitted.ref;
      fail('is used both as a whole sequence and as its last state', {
        where: this.where(rnn.node),
        hint: 'a Keras-style recurrent layer returns one of them; split the model or export one output',
      });
    }
    const prefix = rnn.className.toLowerCase();
    const name = this.layerName(prefix);
    this.layers.push({
      className: rnn.className,
      config: { name, ...rnn.config, returnSequences },
      inbound: [rnn.inbound],
    });
    for (const [local, value] of Object.entries(rnn.weights)) this.weights[`${name}/${local}`] = value;
    rnn.emitted = { returnSequences, ref: name };
    return name;
  }

  lift(): PortableModel {
    const inputs = this.model.inputs.map((info) => {
      const name = NAME.test(info.name) ? info.name : `input_${info.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
      this.inputNames.set(info.name, name);
      this.syms.set(info.name, { kind: 'tensor', ref: name });
      const dtype = info.elem === 'float32' ? 'float32' : info.elem === 'float64' ? 'float64' : 'int32';
      return { name, shape: this.perSample(info.name), dtype };
    });
    for (const node of this.model.nodes) {
      if (this.consumed.has(node)) continue;
      this.liftNode(node);
    }
    const outputs = this.model.outputs.map((o) => {
      const sym = this.syms.get(o.name);
      if (sym?.kind === 'tensor') return sym.ref;
      if (sym?.kind === 'rnn' && sym.stage === 'sequence') return this.emitRnn(sym.rnn, true);
      return fail(`graph output '${o.name}' is not computed from the inputs by layers`, {
        where: this.model.source,
        hint: 'constant outputs have no layer equivalent',
      });
    });
    const config = {
      className: 'Functional',
      name: 'model',
      inputs,
      layers: this.layers.map((l) => ({ className: l.className, config: l.config, inbound: [...l.inbound] })),
      outputs,
    };
    return { config: config as unknown as JsonObject, weights: this.weights };
  }

  private liftNode(node: OnnxNode): void {
    if (node.domain !== '' && node.domain !== 'ai.onnx')
      fail(`operator ${node.domain}.${node.opType} has no layer equivalent`, { where: this.where(node) });
    const present = node.inputs.filter((n) => n !== '');
    const fromData = present.some((n) => {
      const kind = this.syms.get(n)?.kind;
      return kind === 'tensor' || kind === 'rnn' || kind === 'time-major';
    });
    // Constant folding territory: nodes that never touch input data (Constant, shape chains).
    if (node.opType === 'Constant') {
      const t = node.attrs.get('value')?.t;
      if (!t) fail('only Constant with a tensor `value` is supported', { where: this.where(node) });
      const data = t.elem === 'int64' || t.elem === 'bool' ? Float64Array.from(t.data) : t.data;
      this.syms.set(node.outputs[0]!, {
        kind: 'const',
        value: Tensor.fromData(data, t.dims, t.elem === 'float32' ? 'float32' : 'float64'),
      });
      return;
    }
    if (!fromData || node.opType === 'Shape') {
      for (const o of node.outputs) if (o !== '') this.syms.set(o, { kind: 'static', node });
      return;
    }
    const rule = LIFT_RULES[node.opType];
    if (!rule)
      fail(`operator ${node.opType} has no layer equivalent in Reptile's portable description`, {
        where: this.where(node),
        hint: 'the file still runs as it is with `reptile run` on any frontend (docs/onnx-import.md)',
      });
    rule(node, this);
  }
}

/** ONNX graph → portable model; every refusal names the node. */
export function liftOnnxModel(model: OnnxModelDescription): PortableModel {
  try {
    return new Lifter(model).lift();
  } catch (error) {
    if (error instanceof ReptileError) throw error;
    throw new ReptileError(`could not lift the ONNX graph: ${(error as Error).message}`, {
      where: model.source,
      cause: error,
    });
  }
}
