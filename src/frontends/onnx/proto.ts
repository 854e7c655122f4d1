// Decoding and encoding ONNX protobuf messages with protobufjs and the vendored schema
// (onnx.proto beside this file). Decoded messages are plain objects typed below; int64
// fields arrive as JS numbers (exact up to 2^53, and every size fusegraph accepts is far
// below that). Malformed bytes become a CompileError, never another exception.

import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { CompileError } from '../../../ir/errors.ts';

export const enum DataType {
  UNDEFINED = 0, FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7,
  STRING = 8, BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, BFLOAT16 = 16,
}

export const enum AttributeType {
  UNDEFINED = 0, FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, GRAPH = 5, FLOATS = 6, INTS = 7, STRINGS = 8,
}

export interface StringEntry { key: string; value: string }

export interface TensorProto {
  dims: number[];
  data_type: number;
  float_data: number[];
  int32_data: number[];
  int64_data: number[];
  double_data: number[];
  uint64_data: number[];
  string_data: Uint8Array[];
  name: string;
  raw_data: Uint8Array;
  external_data: StringEntry[];
  data_location: number;
}

export interface AttributeProto {
  name: string;
  type: number;
  f: number;
  i: number;
  s: Uint8Array;
  t?: TensorProto;
  /** A subgraph (If's branches, Loop's body). */
  g?: GraphProto;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  ref_attr_name: string;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: AttributeProto[];
}

export interface DimensionProto { dim_value?: number; dim_param?: string }

export interface ValueInfoProto {
  name: string;
  type?: { tensor_type?: { elem_type: number; shape?: { dim: DimensionProto[] } } };
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface OpsetProto { domain: string; version: number }

export interface ModelProto {
  ir_version: number;
  opset_import: OpsetProto[];
  producer_name: string;
  producer_version: string;
  graph?: GraphProto;
}

let root: protobuf.Root | undefined;

function lookup(name: 'onnx.ModelProto' | 'onnx.TensorProto'): protobuf.Type {
  if (root === undefined) {
    const text = readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8');
    root = protobuf.parse(text, { keepCase: true }).root;
  }
  return root.lookupType(name);
}

function schema(): protobuf.Type {
  return lookup('onnx.ModelProto');
}

/** Decodes one message to a plain object with every field filled (protobufjs errors → CompileError). */
function decodeMessage(type: protobuf.Type, bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const message = type.decode(bytes);
    return type.toObject(message, { longs: Number, defaults: true, arrays: true, oneofs: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CompileError(`not a valid ${what} (protobuf decoding failed: ${reason})`);
  }
}

/**
 * Decodes a ModelProto. protobufjs checks wire types and lengths; its errors (and a stack
 * overflow on absurdly nested groups) are reported as a CompileError.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  // toObject with `defaults` and `arrays` fills every field of the schema with its declared
  // type, which is what the interfaces above describe.
  return decodeMessage(schema(), bytes, 'ONNX model') as unknown as ModelProto;
}

/**
 * Decodes a serialized TensorProto on its own (ONNX's test data, `onnx.numpy_helper.from_array`
 * saved with SerializeToString); read its values with readTensor from tensor.ts.
 */
export function decodeTensor(bytes: Uint8Array): TensorProto {
  return decodeMessage(lookup('onnx.TensorProto'), bytes, 'ONNX TensorProto') as unknown as TensorProto;
}

/** Plain-object form accepted by the encoder: the same shapes, optional fields omitted. */
export type ModelInit = {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version?: string;
  graph: {
    name: string;
    node: NodeInit[];
    initializer: Partial<TensorProto>[];
    input: ValueInfoProto[];
    output: ValueInfoProto[];
  };
};

/** A node in the encoder's form; a subgraph attribute (`g`) nests a graph of the same form. */
export type NodeInit = {
  input: string[]; output: string[]; name: string; op_type: string; domain?: string;
  attribute?: (Partial<Omit<AttributeProto, 't' | 'g'>> & { t?: Partial<TensorProto>; g?: GraphInit })[];
};

export type GraphInit = ModelInit['graph'];

export function encodeModel(model: ModelInit): Uint8Array {
  const type = schema();
  const problem = type.verify(model);
  if (problem !== null) throw new CompileError(`internal: ONNX model does not fit the schema: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}
