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

let modelType: protobuf.Type | undefined;

function schema(): protobuf.Type {
  if (modelType === undefined) {
    const text = readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8');
    modelType = protobuf.parse(text, { keepCase: true }).root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

/**
 * Decodes a ModelProto. protobufjs checks wire types and lengths; its errors (and a stack
 * overflow on absurdly nested groups) are reported as a CompileError.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = schema();
  let object: Record<string, unknown>;
  try {
    const message = type.decode(bytes);
    object = type.toObject(message, { longs: Number, defaults: true, arrays: true, oneofs: false });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CompileError(`not a valid ONNX model (protobuf decoding failed: ${reason})`);
  }
  // toObject with `defaults` and `arrays` fills every field of the schema with its declared
  // type, which is what the interfaces above describe.
  return object as unknown as ModelProto;
}

/** Plain-object form accepted by the encoder: the same shapes, optional fields omitted. */
export type ModelInit = {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version?: string;
  graph: {
    name: string;
    node: { input: string[]; output: string[]; name: string; op_type: string; domain?: string; attribute?: (Partial<Omit<AttributeProto, 't'>> & { t?: Partial<TensorProto> })[] }[];
    initializer: Partial<TensorProto>[];
    input: ValueInfoProto[];
    output: ValueInfoProto[];
  };
};

export function encodeModel(model: ModelInit): Uint8Array {
  const type = schema();
  const problem = type.verify(model);
  if (problem !== null) throw new CompileError(`internal: ONNX model does not fit the schema: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}
