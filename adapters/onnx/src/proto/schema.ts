import protobuf from 'protobufjs';

/**
 * The subset of onnx.proto (ONNX 1.x, proto2) that Reptile writes and the importer reads. Field
 * numbers and packing are those of the official schema, so files decode with any ONNX tool; the
 * importer also decodes a few fields it only refuses (external data, sparse initializers,
 * functions, non-tensor types) so it can name them; training info and the rest are left out. Keeping our own schema avoids depending on a generated package pinned to an old IR.
 */
const ONNX_SUBSET = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  optional string name = 1;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
  optional string ref_attr_name = 21;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
  repeated FunctionProto functions = 25;
}

// Model-local functions are not inlined by the importer; decoded only to name them when refused.
message FunctionProto {
  optional string name = 1;
  optional string domain = 10;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
  repeated SparseTensorProto sparse_initializer = 15;
}

// Decoded only so the importer can refuse sparse initializers by name instead of missing them.
message SparseTensorProto {
  optional TensorProto values = 1;
  optional TensorProto indices = 2;
  repeated int64 dims = 3;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated bytes string_data = 6;
  repeated uint64 uint64_data = 11 [packed = true];
  repeated StringStringEntryProto external_data = 13;
  optional int32 data_location = 14;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  // Only tensor_type is read; the others are decoded so a non-tensor input is refused by kind.
  message Sequence { optional TypeProto elem_type = 1; }
  message Map { optional int32 key_type = 1; optional TypeProto value_type = 2; }
  message Optional { optional TypeProto elem_type = 1; }
  oneof value {
    Tensor tensor_type = 1;
    Sequence sequence_type = 4;
    Map map_type = 5;
    Optional optional_type = 9;
  }
}
`;

let root: protobuf.Root | undefined;

function onnxRoot(): protobuf.Root {
  root ??= protobuf.parse(ONNX_SUBSET, { keepCase: true }).root;
  return root;
}

export function modelType(): protobuf.Type {
  return onnxRoot().lookupType('onnx.ModelProto');
}

/** TensorProto alone: ONNX test data (input_0.pb, output_0.pb) is one serialized TensorProto. */
export function tensorType(): protobuf.Type {
  return onnxRoot().lookupType('onnx.TensorProto');
}

// ---- plain-object shapes of the messages we build (keepCase field names) ------------------------

export interface TensorProtoObject {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface AttributeObject {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoObject;
  g?: GraphObject;
  ints?: number[];
  floats?: number[];
}

export interface NodeObject {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeObject[];
  doc_string?: string;
}

export interface ValueInfoObject {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: { dim_value: number }[] } } };
  doc_string?: string;
}

export interface GraphObject {
  name: string;
  node: NodeObject[];
  initializer: TensorProtoObject[];
  input: ValueInfoObject[];
  output: ValueInfoObject[];
  doc_string?: string;
}

export interface ModelObject {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphObject;
  metadata_props: { key: string; value: string }[];
}

/** AttributeProto.AttributeType values used by the lowering. */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

export function encodeModel(model: ModelObject): Uint8Array {
  const type = modelType();
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes a model file back to plain objects (int64 as numbers, bytes as Uint8Array), for tests and tools. */
export function decodeModel(bytes: Uint8Array): ModelObject {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as ModelObject;
}
