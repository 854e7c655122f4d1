// Writes a graph in fusegraph's JSON model format (see format.ts), with its weights
// inline, in a sidecar (.safetensors or .bin), or elided for reading only.

import { CompileError } from '../../../ir/errors.ts';
import type { Graph } from '../../../ir/graph.ts';
import { isActivation, isExpr, isTensorData, OPS, type AttrSpec, type AttrValue, type Attrs, type TensorData } from '../../../ir/ops/index.ts';
import type { ScalarExpr } from '../../../ir/scalar.ts';
import { encodeWeights } from '../../../ir/print.ts';
import { writeF32 } from '../f32-bytes.ts';
import { writeSafetensors } from '../safetensors.ts';
import { encodeNumber, FORMAT_NAME, FORMAT_VERSION, type JsonModel, type JsonNode, type JsonTensor } from './format.ts';

export type WeightStorage =
  | { readonly kind: 'inline' }
  | { readonly kind: 'elided' }
  /** `file` is the sidecar's name as the JSON refers to it (relative to the JSON file). */
  | { readonly kind: 'safetensors' | 'bin'; readonly file: string };

export interface WrittenModel {
  readonly json: string;
  /** The sidecar's bytes, for 'safetensors' and 'bin' storage. */
  readonly sidecar?: Uint8Array;
}

function encodeExpr(expr: ScalarExpr): unknown {
  switch (expr.kind) {
    case 'operand': return { kind: 'operand', index: expr.index };
    case 'const': return { kind: 'const', value: encodeNumber(expr.value) };
    case 'unary': return { kind: 'unary', fn: expr.fn, arg: encodeExpr(expr.arg) };
    case 'binary': return { kind: 'binary', fn: expr.fn, lhs: encodeExpr(expr.lhs), rhs: encodeExpr(expr.rhs) };
    case 'select': return { kind: 'select', cond: encodeExpr(expr.cond), ifTrue: encodeExpr(expr.ifTrue), ifFalse: encodeExpr(expr.ifFalse) };
  }
}

class WeightSink {
  readonly tensors = new Map<string, TensorData>();
  private offset = 0;
  private readonly chunks: Float32Array[] = [];

  constructor(private readonly storage: WeightStorage) {}

  store(name: string, tensor: TensorData): JsonTensor {
    const typed = tensor.dtype === undefined || tensor.dtype === 'f32' ? {} : { dtype: tensor.dtype };
    return { ...this.place(name, tensor), ...typed };
  }

  private place(name: string, tensor: TensorData): JsonTensor {
    const shape = [...tensor.shape];
    switch (this.storage.kind) {
      case 'inline': return { shape, data: { base64: encodeWeights(tensor.data) } };
      case 'elided': return { shape, elided: summary(tensor.data) };
      case 'safetensors':
        this.tensors.set(name, tensor);
        return { shape, data: { key: name } };
      case 'bin': {
        const at = this.offset;
        this.chunks.push(tensor.data);
        this.offset += tensor.data.length * 4;
        return { shape, data: { offset: at } };
      }
    }
  }

  sidecar(): Uint8Array | undefined {
    if (this.storage.kind === 'safetensors') return writeSafetensors(this.tensors);
    if (this.storage.kind !== 'bin') return undefined;
    const out = new Uint8Array(this.offset);
    const view = new DataView(out.buffer);
    let at = 0;
    for (const chunk of this.chunks) {
      writeF32(view, at, chunk);
      at += chunk.length * 4;
    }
    return out;
  }
}

function summary(data: Float32Array): NonNullable<JsonTensor['elided']> {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of data) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  return { min: encodeNumber(min), max: encodeNumber(max), mean: encodeNumber(data.length > 0 ? sum / data.length : 0) };
}

function encodeAttrs(schema: Readonly<Record<string, AttrSpec>>, attrs: Attrs, node: string, sink: WeightSink): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attrs)) {
    Object.defineProperty(out, name, { value: encodeAttr(schema[name], value, node, sink), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function encodeAttr(spec: AttrSpec | undefined, value: AttrValue, node: string, sink: WeightSink): unknown {
  if (typeof value === 'number') return encodeNumber(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return [...(value as readonly (number | string)[])];
  if (isTensorData(value)) return sink.store(node, value);
  if (isActivation(value)) {
    const def = (OPS as Readonly<Record<string, (typeof OPS)[keyof typeof OPS]>>)[value.op];
    return { op: value.op, attrs: encodeAttrs(def?.attrs ?? {}, value.attrs, node, sink) };
  }
  if (isExpr(value)) return encodeExpr(value);
  throw new CompileError(`internal: attribute of type ${spec?.type ?? 'unknown'} cannot be written`, { node });
}

export function writeJsonModel(graph: Graph, storage: WeightStorage = { kind: 'inline' }): WrittenModel {
  const sink = new WeightSink(storage);
  const nodes: JsonNode[] = graph.nodes.map((node) => ({
    name: node.name,
    op: node.op,
    ...(node.inputs.length > 0 ? { inputs: [...node.inputs] } : {}),
    attrs: encodeAttrs(OPS[node.op].attrs, node.attrs, node.name, sink),
  }));
  const model: JsonModel = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    name: graph.name,
    inputs: graph.inputs.map((input) => ({ name: input.name, shape: [...input.type.shape], ...(input.type.dtype === 'f32' ? {} : { dtype: input.type.dtype }) })),
    nodes,
    outputs: [...graph.outputs],
    ...(storage.kind === 'safetensors' || storage.kind === 'bin' ? { weights: { file: storage.file } } : {}),
  };
  const sidecar = sink.sidecar();
  return { json: formatModel(model), ...(sidecar ? { sidecar } : {}) };
}

/** One top-level key per line and one node per line: diffable, and still plain JSON. */
function formatModel(model: JsonModel): string {
  const lines = Object.entries(model).map(([key, value]) => {
    const head = `  ${JSON.stringify(key)}: `;
    if (!Array.isArray(value) || value.length === 0 || (key !== 'nodes' && key !== 'inputs')) return head + JSON.stringify(value);
    return `${head}[\n${value.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}
