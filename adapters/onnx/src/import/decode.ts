import { ReptileError } from '@reptile/core';
import { modelType } from '../proto/schema.ts';
import {
  DEFAULT_LIMITS,
  elemOf,
  type HostTensor,
  hostTensor,
  type OnnxElem,
  type TensorLimits,
  type TensorProtoData,
} from './tensor-proto.ts';

export interface OnnxAttribute {
  readonly name: string;
  readonly f?: number;
  readonly i?: number;
  readonly s?: string;
  readonly t?: HostTensor;
  readonly ints?: readonly number[];
  readonly floats?: readonly number[];
  readonly strings?: readonly string[];
  /** Set for GRAPH attributes (If/Loop/Scan bodies), which the importer does not run. */
  readonly hasGraph?: boolean;
}

export interface OnnxNode {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly elem: OnnxElem;
  /** Declared dims: a number, a symbolic name, or undefined when unknown; undefined when no shape. */
  readonly dims: readonly (number | string | undefined)[] | undefined;
}

/** A decoded and validated model: everything the interpreter needs, no protobuf objects. */
export interface OnnxModelDescription {
  readonly source: string;
  readonly irVersion: number;
  /** Opset version of the default (ai.onnx) domain. */
  readonly opset: number;
  readonly producer: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, HostTensor>;
  /** Graph inputs that are not initializers: what `run` must be given. */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export interface DecodeOptions extends Partial<TensorLimits> {
  /** Folder external data may be read from (set when loading by path). */
  readonly modelDir?: string;
}

interface RawAttr {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoData;
  g?: unknown;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: unknown[];
  graphs?: unknown[];
  ref_attr_name?: string;
}
interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: RawAttr[];
}
interface RawValueInfo {
  name?: string;
  type?: {
    tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } };
    sequence_type?: unknown;
    map_type?: unknown;
    optional_type?: unknown;
  };
}
interface RawModel {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  graph?: {
    node?: RawNode[];
    initializer?: TensorProtoData[];
    input?: RawValueInfo[];
    output?: RawValueInfo[];
    sparse_initializer?: unknown[];
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes protobuf bytes; any malformation becomes a ReptileError naming `source`. */
export function decodeProto(bytes: Uint8Array, source: string): RawModel {
  try {
    const type = modelType();
    return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as RawModel;
  } catch (e) {
    throw new ReptileError(`not a valid ONNX model file (${(e as Error).message})`, {
      where: source,
      hint: 'the file is truncated or is not an ONNX ModelProto; re-export it',
    });
  }
}

/** bytes → a validated model description. Tensors are size-checked before they are allocated. */
export function decodeOnnxModel(
  bytes: Uint8Array,
  source: string,
  options: DecodeOptions = {},
): OnnxModelDescription {
  const limits: TensorLimits = {
    maxElements: options.maxElements ?? DEFAULT_LIMITS.maxElements,
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
  };
  const raw = decodeProto(bytes, source);
  const graph = raw.graph;
  if (!graph)
    throw new ReptileError('the model has no graph', { where: source, hint: 'is this an ONNX model file?' });
  const opset = (raw.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  if (opset === undefined || !Number.isSafeInteger(opset) || opset < 1) {
    throw new ReptileError('the model imports no (valid) opset of the default ONNX domain', {
      where: `${source}: opset_import`,
      hint: 'ONNX models must declare opset_import { domain: "" version: N }',
    });
  }
  if ((graph.sparse_initializer?.length ?? 0) > 0) {
    throw new ReptileError('sparse initializers are not supported', {
      where: `${source}: graph.sparse_initializer`,
      hint: 'densify them before importing',
    });
  }
  const initializers = new Map<string, HostTensor>();
  (graph.initializer ?? []).forEach((t, i) => {
    const name = t.name ?? '';
    initializers.set(name, hostTensor(t, `${source}: initializer ${i} '${name}'`, limits, options.modelDir));
  });
  const valueInfo = (v: RawValueInfo, what: string): OnnxValueInfo => {
    const where = `${source}: ${what} '${v.name ?? ''}'`;
    const tt = v.type?.tensor_type;
    if (!tt)
      throw new ReptileError('is not a tensor (sequence, map and optional values are not supported)', {
        where,
      });
    const dims = tt.shape?.dim?.map((d) => d.dim_value ?? d.dim_param ?? undefined);
    for (const d of dims ?? []) {
      if (typeof d === 'number' && (!Number.isSafeInteger(d) || d < 0)) {
        throw new ReptileError(`declares invalid dimension ${d}`, { where });
      }
    }
    return { name: v.name ?? '', elem: elemOf(tt.elem_type, where), dims };
  };
  const inputs = (graph.input ?? [])
    .filter((v) => !initializers.has(v.name ?? ''))
    .map((v) => valueInfo(v, 'input'));
  const outputs = (graph.output ?? []).map((v) => valueInfo(v, 'output'));
  const nodes = (graph.node ?? []).map((n, index) => decodeNode(n, index, source, limits, options.modelDir));
  return {
    source,
    irVersion: raw.ir_version ?? 0,
    opset,
    producer: raw.producer_name ?? '',
    nodes,
    initializers,
    inputs,
    outputs,
  };
}

function decodeNode(
  n: RawNode,
  index: number,
  source: string,
  limits: TensorLimits,
  modelDir?: string,
): OnnxNode {
  const opType = n.op_type ?? '';
  const name = n.name ?? '';
  const where = `${source}: node ${index} '${name}' (${opType})`;
  if (!opType) throw new ReptileError('has no op_type', { where });
  const attrs = new Map<string, OnnxAttribute>();
  for (const a of n.attribute ?? []) {
    const attrName = a.name ?? '';
    if (a.ref_attr_name) {
      throw new ReptileError(`attribute '${attrName}' refers to a function attribute`, { where });
    }
    const at: OnnxAttribute = {
      name: attrName,
      ...(a.f !== undefined && { f: a.f }),
      ...(a.i !== undefined && { i: a.i }),
      ...(a.s !== undefined && { s: utf8.decode(a.s) }),
      ...(a.t !== undefined && { t: hostTensor(a.t, `${where}: attribute ${attrName}`, limits, modelDir) }),
      ...(a.ints !== undefined && { ints: a.ints }),
      ...(a.floats !== undefined && { floats: a.floats }),
      ...(a.strings !== undefined && { strings: a.strings.map((s) => utf8.decode(s)) }),
      ...((a.g !== undefined || (a.graphs?.length ?? 0) > 0) && { hasGraph: true }),
    };
    attrs.set(attrName, at);
  }
  return {
    index,
    name,
    opType,
    domain: n.domain ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attrs,
  };
}
