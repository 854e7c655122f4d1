// The ONNX writer: a fusegraph graph as ONNX ModelProto bytes, so tests and benchmarks can
// feed the very same model to onnxruntime. Ops with an ONNX twin are written as that op
// (Gemm, Relu, Softmax…); any other elementwise op is written out from its scalar body in
// the op table (Where, Less, Exp…), so every op the table can express can be written.

import { CompileError } from '../../../ir/errors.ts';
import { renameValue, type Graph, type Node } from '../../../ir/graph.ts';
import { activationAttr, dimsAttr, floatAttr, linearLayout, OPS, tensorAttr, transposePerm } from '../../../ir/ops/index.ts';
import { formatShape, type TensorType } from '../../../ir/types.ts';
import { encodeModel } from './proto.ts';
import { emitCnnNode, isCnnOp } from './writer-cnn.ts';
import { emitSequenceNode, isSequenceOp } from './writer-sequence.ts';
import { emitElementwise, floatTensor, intAttribute, intsAttribute, OnnxEmitter, valueInfo } from './writer-emitter.ts';
import { emitMaskNode, onnxElemType, typedTensor } from './writer-masks.ts';
import { emitRecurrent, isRecurrentOp } from './writer-recurrent.ts';

export { floatAttribute, floatTensor, int64Tensor, intAttribute, intsAttribute, stringAttribute, valueInfo } from './writer-emitter.ts';

export interface WriteOnnxOptions {
  /** Default opset of the ai.onnx domain (13 to 21; default 17). Gelu is written natively from 20. */
  readonly opset?: number;
  readonly producer?: string;
}

function emitLinear(out: OnnxEmitter, node: Node, types: ReadonlyMap<string, TensorType>): void {
  const typed = node.inputs.map((name) => ({ name, type: types.get(name) ?? node.type }));
  const [x, w] = typed;
  if (x === undefined || w === undefined) throw new CompileError('internal: linear without operands');
  const { hasBias, paramStart } = linearLayout(node.inputs.length, node.attrs);
  const activation = activationAttr(node.attrs);
  const pre = activation === undefined ? node.name : out.fresh(`${node.name}/linear`);
  const bias = hasBias ? typed[2] : undefined;
  if (x.type.shape.length === 2) {
    out.node('Gemm', bias ? [x.name, w.name, bias.name] : [x.name, w.name], pre, [intAttribute('transB', 1)]);
  } else {
    const wt = out.node('Transpose', [w.name], out.fresh(`${node.name}/weight_t`), [intsAttribute('perm', [1, 0])]);
    const product = bias ? out.fresh(`${node.name}/matmul`) : pre;
    out.node('MatMul', [x.name, wt], product);
    if (bias) out.node('Add', [product, bias.name], pre);
  }
  if (activation !== undefined) {
    const preValue = { name: pre, type: node.type };
    emitElementwise(out, activation.op, activation.attrs, [preValue, ...typed.slice(paramStart)], node.name);
  }
}

/**
 * A reshape target as ONNX says it: a symbolic dim named in the IR target ([N*S, 32] → [S, N,
 * 32]) is 0 when the input has it on that axis, else the one -1; two such dims would need
 * Shape arithmetic, which the writer does not emit.
 */
function onnxReshapeTarget(node: Node, input: TensorType): number[] {
  const target = dimsAttr(node.attrs, 'shape');
  let free = target.filter((d) => d === -1).length;
  const dims = target.map((d, i) => {
    if (typeof d === 'number') return d;
    if (input.shape[i] === d) return 0;
    free++;
    return -1;
  });
  if (free > 1) throw new CompileError(`reshape to ${formatShape(node.type.shape)} names several symbolic dims; ONNX would need Shape arithmetic, which writeOnnx does not emit`, { node: node.name, op: node.op });
  return dims;
}

function emitNode(out: OnnxEmitter, node: Node, types: ReadonlyMap<string, TensorType>, graph: Graph): void {
  const def = OPS[node.op];
  const typed = node.inputs.map((name) => ({ name, type: types.get(name) ?? node.type }));
  switch (node.op) {
    case 'const': {
      const tensor = tensorAttr(node.attrs, 'value');
      if (graph.outputs.includes(node.name)) {
        const stored = out.fresh(`${node.name}/value`);
        out.initializers.push(typedTensor(stored, tensor));
        out.node('Identity', [stored], node.name);
      } else {
        out.initializers.push(typedTensor(node.name, tensor));
      }
      return;
    }
    case 'linear': return emitLinear(out, node, types);
    case 'matmul': { out.node('MatMul', node.inputs, node.name); return; }
    case 'softmax': { out.node('Softmax', node.inputs, node.name, [intAttribute('axis', floatAttr(node.attrs, 'axis'))]); return; }
    case 'flatten': { out.node('Flatten', node.inputs, node.name, [intAttribute('axis', floatAttr(node.attrs, 'axis'))]); return; }
    case 'transpose': {
      const perm = transposePerm(node.type.shape.length, node.attrs);
      out.node('Transpose', node.inputs, node.name, [intsAttribute('perm', perm)]);
      return;
    }
    case 'reshape': {
      const shape = out.shape(onnxReshapeTarget(node, typed[0]?.type ?? node.type), `${node.name}/shape`);
      out.node('Reshape', [...node.inputs, shape], node.name);
      return;
    }
    default:
      if (isCnnOp(node.op)) { emitCnnNode(out, node, typed); return; }
      if (emitMaskNode(out, node, typed)) return;
      if (isRecurrentOp(node.op)) { emitRecurrent(out, node, types); return; }
      if (isSequenceOp(node.op)) { emitSequenceNode(out, node, typed); return; }
      if (def.kind !== 'elementwise') throw new CompileError(`the ONNX writer cannot write ${def.kind} op '${node.op}'`, { node: node.name, op: node.op });
      emitElementwise(out, node.op, node.attrs, typed, node.name);
  }
}

export interface WrittenOnnx {
  readonly bytes: Uint8Array;
  /** The ONNX name of each fusegraph value whose name ONNX cannot use (only the empty name, which means "absent" there). */
  readonly names: ReadonlyMap<string, string>;
}

/** The empty name means "no value" in ONNX: such a value is written under a fresh name. */
function onnxSafeNames(graph: Graph): { graph: Graph; names: Map<string, string> } {
  const names = new Map<string, string>();
  const taken = new Set([...graph.inputs.map((v) => v.name), ...graph.nodes.map((n) => n.name)]);
  if (!taken.has('')) return { graph, names };
  let fresh = 'unnamed';
  for (let i = 1; taken.has(fresh); i++) fresh = `unnamed_${i}`;
  names.set('', fresh);
  return { graph: renameValue(graph, '', fresh), names };
}

/** The graph as an ONNX model (ir_version 8, one ai.onnx opset), with the names it used. */
export function writeOnnxModel(source: Graph, options: WriteOnnxOptions = {}): WrittenOnnx {
  const opset = options.opset ?? 17;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21) throw new CompileError(`the ONNX writer supports opsets 13 to 21, got ${opset}`);
  const { graph, names } = onnxSafeNames(source);
  const out = new OnnxEmitter(graph, opset);
  const types = new Map<string, TensorType>();
  for (const input of graph.inputs) types.set(input.name, input.type);
  for (const node of graph.nodes) {
    emitNode(out, node, types, graph);
    types.set(node.name, node.type);
  }
  const bytes = encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: opset }],
    producer_name: options.producer ?? 'fusegraph',
    graph: {
      name: graph.name,
      node: out.nodes,
      initializer: out.initializers,
      input: graph.inputs.map((v) => valueInfo(v.name, v.type.shape, onnxElemType(v.type.dtype))),
      output: graph.outputs.map((name) => valueInfo(name, types.get(name)?.shape ?? [], onnxElemType(types.get(name)?.dtype ?? 'f32'))),
    },
  });
  return { bytes, names };
}

/** The graph as ONNX ModelProto bytes (see writeOnnxModel for the one renamed case). */
export function writeOnnx(graph: Graph, options: WriteOnnxOptions = {}): Uint8Array {
  return writeOnnxModel(graph, options).bytes;
}
