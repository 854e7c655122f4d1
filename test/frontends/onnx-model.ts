// Hand-built ONNX models for front-end tests: a few lines describe inputs, initializers
// and nodes the way PyTorch's exporter writes them, and come back as ModelProto bytes.

import { DataType, encodeModel, type ModelInit } from '../../src/frontends/onnx/proto.ts';
import { floatTensor, int64Tensor, valueInfo } from '../../src/frontends/onnx/writer.ts';
import type { Shape } from '../../ir/types.ts';

export { floatAttribute, intAttribute, intsAttribute, stringAttribute, floatTensor, int64Tensor } from '../../src/frontends/onnx/writer.ts';

type Node = ModelInit['graph']['node'][number];
type Tensor = ModelInit['graph']['initializer'][number];

export interface OnnxSpec {
  readonly opset?: number;
  /** [name, shape] or [name, shape, ONNX element type] (FLOAT by default). */
  readonly inputs: readonly (readonly [string, Shape, number?])[];
  readonly outputs: readonly (readonly [string, Shape, number?])[];
  readonly initializers?: readonly Tensor[];
  readonly nodes: readonly Node[];
  readonly name?: string;
}

/** A node in PyTorch's style: named after its op, one output. */
export function node(opType: string, inputs: readonly string[], output: string, attribute: Node['attribute'] = []): Node {
  return { op_type: opType, input: [...inputs], output: [output], name: `/${opType}_${output}`, attribute };
}

export function onnxModel(spec: OnnxSpec): Uint8Array {
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: spec.opset ?? 17 }],
    producer_name: 'fusegraph-tests',
    graph: {
      name: spec.name ?? 'test_model',
      node: [...spec.nodes],
      initializer: [...(spec.initializers ?? [])],
      input: spec.inputs.map(([name, shape, type]) => valueInfo(name, shape, type)),
      output: spec.outputs.map(([name, shape, type]) => valueInfo(name, shape, type)),
    },
  });
}

/** Deterministic f32 data in [-1, 1) for initializers. */
export function pseudoRandom(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

export function weights(name: string, shape: readonly number[], seed: number): Tensor {
  return floatTensor(name, shape, pseudoRandom(shape.reduce((n, d) => n * d, 1), seed));
}

export function shapeTensor(name: string, values: readonly number[]): Tensor {
  return int64Tensor(name, values);
}

/** An INT64 tensor of any shape, values as bigint so that INT64_MAX/MIN can be written. */
export function int64Of(name: string, shape: readonly number[], values: readonly bigint[]): Tensor {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return { name, dims: [...shape], data_type: DataType.INT64, raw_data: raw };
}
