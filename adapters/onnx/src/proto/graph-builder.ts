import type { TypedArray } from '@reptile/core';
import {
  ATTR,
  type AttributeObject,
  type GraphObject,
  type NodeObject,
  type TensorProtoObject,
  type ValueInfoObject,
} from './schema.ts';
import { type ElemType, int64Array, ONNX_ELEM, tensorProto } from './tensor.ts';

/** Attribute constructors (AttributeProto with its type discriminator set, as the checker requires). */
export const attr = {
  int: (name: string, i: number): AttributeObject => ({ name, type: ATTR.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeObject => ({
    name,
    type: ATTR.INTS,
    ints: [...ints],
  }),
  float: (name: string, f: number): AttributeObject => ({ name, type: ATTR.FLOAT, f }),
  tensor: (name: string, t: TensorProtoObject): AttributeObject => ({ name, type: ATTR.TENSOR, t }),
  graph: (name: string, g: GraphObject): AttributeObject => ({ name, type: ATTR.GRAPH, g }),
};

export function valueInfo(name: string, elem: ElemType, shape: readonly number[]): ValueInfoObject {
  return {
    name,
    type: {
      tensor_type: { elem_type: ONNX_ELEM[elem], shape: { dim: shape.map((d) => ({ dim_value: d })) } },
    },
  };
}

/**
 * Accumulates one ONNX graph: nodes in topological order, initializers, inputs and outputs.
 * Value names are SSA (each produced once). Every node is named after the IR node it lowers
 * (`scope`), so an onnxruntime error naming a node can be traced back to the Reptile op.
 */
export class GraphBuilder {
  readonly nodes: NodeObject[] = [];
  readonly initializers: GraphObject['initializer'] = [];
  readonly inputs: ValueInfoObject[] = [];
  readonly outputs: ValueInfoObject[] = [];
  /** ONNX node name → description of the IR node it came from (shared with subgraph builders). */
  readonly origin: Map<string, string>;
  private readonly taken: Set<string>;
  private readonly constants = new Map<string, string>();
  private readonly counters: Map<string, number>;
  private scopeName = 'graph';
  private scopeDoc = '';

  /**
   * A builder for a subgraph (a Scan body) passes its parent: names stay unique across both,
   * since ONNX forbids a subgraph value from shadowing an outer one.
   */
  constructor(parent?: GraphBuilder) {
    this.taken = parent ? parent.taken : new Set();
    this.origin = parent ? parent.origin : new Map();
    this.counters = parent ? parent.counters : new Map();
    if (parent) this.setScope(parent.scopeName, parent.scopeDoc);
  }

  /** Names the nodes emitted from now on after one IR node. */
  setScope(name: string, doc: string): void {
    this.scopeName = name;
    this.scopeDoc = doc;
  }

  /** A value name not used before, derived from `base`. */
  fresh(base: string): string {
    let name = base;
    let k = this.counters.get(base) ?? 0;
    while (this.taken.has(name)) name = `${base}_${++k}`;
    this.counters.set(base, k);
    this.taken.add(name);
    return name;
  }

  /** Claims an exact name (graph inputs and outputs); a clash is a programming error. */
  claim(name: string): string {
    if (this.taken.has(name)) throw new Error(`internal: ONNX value name '${name}' used twice`);
    this.taken.add(name);
    return name;
  }

  /** Emits one node with a single output and returns that output's name. */
  op(opType: string, inputs: readonly string[], attributes: readonly AttributeObject[] = []): string {
    const output = this.fresh(`${this.scopeName}_${opType.toLowerCase()}`);
    const name = this.fresh(`${this.scopeName}/${opType}`);
    const node: NodeObject = {
      name,
      op_type: opType,
      input: [...inputs],
      output: [output],
      attribute: [...attributes],
    };
    if (this.scopeDoc) node.doc_string = this.scopeDoc;
    this.nodes.push(node);
    this.origin.set(name, this.scopeDoc);
    return output;
  }

  input(name: string, elem: ElemType, shape: readonly number[]): string {
    this.inputs.push(valueInfo(this.claim(name), elem, shape));
    return name;
  }

  initializer(
    base: string,
    elem: ElemType,
    dims: readonly number[],
    data: TypedArray | BigInt64Array,
  ): string {
    const name = this.fresh(base);
    this.initializers.push(tensorProto(name, elem, dims, data));
    return name;
  }

  /** A 1-D int64 initializer (shape, axes, pads, bounds), shared between nodes that need the same values. */
  int64s(values: readonly number[]): string {
    return this.cached(`i64:${values.join(',')}`, () =>
      this.initializer('const_i64', 'int64', [values.length], int64Array(values)),
    );
  }

  /** A rank-0 initializer of `elem`, shared by value (NaN and −0 are told apart). */
  scalar(value: number, elem: ElemType): string {
    const key = `${elem}:${Object.is(value, -0) ? '-0' : String(value)}`;
    return this.cached(key, () => {
      const data =
        elem === 'int64'
          ? int64Array([value])
          : elem === 'float32'
            ? Float32Array.of(value)
            : elem === 'float64'
              ? Float64Array.of(value)
              : elem === 'int32'
                ? Int32Array.of(value)
                : Uint8Array.of(value ? 1 : 0);
      return this.initializer(`const_${elem}`, elem, [], data);
    });
  }

  private cached(key: string, make: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = make();
      this.constants.set(key, name);
    }
    return name;
  }

  graph(name: string): GraphObject {
    return {
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }
}
