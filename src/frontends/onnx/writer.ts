// The ONNX writer: a fusegraph graph as ONNX ModelProto bytes, so tests and benchmarks can
// feed the very same model to onnxruntime. Ops with an ONNX twin are written as that op
// (Gemm, Relu, Softmax…); any other elementwise op is written out from its scalar body in
// the op table (Where, Less, Exp…), so every op the table can express can be written.

import { CompileError } from '../../../ir/errors.ts';
import { renameValue, type Graph, type Node } from '../../../ir/graph.ts';
import {
  activationAttr, alignedOperandShapes, floatAttr, intsAttr, linearLayout, OPS, stringAttr, tensorAttr, transposePerm,
  type Attrs,
} from '../../../ir/ops/index.ts';
import type { BinaryFn, ScalarExpr, UnaryFn } from '../../../ir/scalar.ts';
import { isSymbolic, sameShape, type Shape, type TensorType } from '../../../ir/types.ts';
import { writeF32 } from '../f32-bytes.ts';
import { AttributeType, DataType, encodeModel, type ModelInit, type ValueInfoProto } from './proto.ts';

export interface WriteOnnxOptions {
  /** Default opset of the ai.onnx domain (13 to 21; default 17). Gelu is written natively from 20. */
  readonly opset?: number;
  readonly producer?: string;
}

type OnnxNode = ModelInit['graph']['node'][number];
type OnnxAttribute = NonNullable<OnnxNode['attribute']>[number];
type OnnxTensor = ModelInit['graph']['initializer'][number];

const UNARY_OPS: Readonly<Record<UnaryFn, string>> = { neg: 'Neg', abs: 'Abs', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', tanh: 'Tanh', erf: 'Erf' };
const BINARY_OPS: Readonly<Record<BinaryFn, string>> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', max: 'Max', min: 'Min',
  lt: 'Less', le: 'LessOrEqual', gt: 'Greater', ge: 'GreaterOrEqual', eq: 'Equal',
};
/** fusegraph elementwise ops whose ONNX op of the same meaning takes no extra attributes. */
const PLAIN_TWINS: Readonly<Record<string, string>> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', identity: 'Identity',
};

export function floatAttribute(name: string, f: number): OnnxAttribute {
  return { name, type: AttributeType.FLOAT, f };
}
export function intAttribute(name: string, i: number): OnnxAttribute {
  return { name, type: AttributeType.INT, i };
}
export function intsAttribute(name: string, ints: readonly number[]): OnnxAttribute {
  return { name, type: AttributeType.INTS, ints: [...ints] };
}
export function stringAttribute(name: string, text: string): OnnxAttribute {
  return { name, type: AttributeType.STRING, s: new TextEncoder().encode(text) };
}

/** An f32 initializer, data as little-endian raw bytes (the layout PyTorch writes). */
export function floatTensor(name: string, shape: readonly number[], data: Float32Array): OnnxTensor {
  const raw = new Uint8Array(data.length * 4);
  writeF32(new DataView(raw.buffer), 0, data);
  return { name, dims: [...shape], data_type: DataType.FLOAT, raw_data: raw };
}

export function int64Tensor(name: string, values: readonly number[]): OnnxTensor {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [values.length], data_type: DataType.INT64, raw_data: raw };
}

export function valueInfo(name: string, shape: Shape): ValueInfoProto {
  const dim = shape.map((d) => (isSymbolic(d) ? { dim_param: d } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim } } } };
}

class OnnxEmitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly taken: Set<string>;
  private readonly scalars = new Map<number, string>();

  constructor(graph: Graph, readonly opset: number) {
    this.taken = new Set([...graph.inputs.map((v) => v.name), ...graph.nodes.map((n) => n.name)]);
  }

  fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.taken.has(name); i++) name = `${hint}_${i}`;
    this.taken.add(name);
    return name;
  }

  node(opType: string, inputs: readonly string[], output: string, attribute: OnnxAttribute[] = []): string {
    this.nodes.push({ op_type: opType, input: [...inputs], output: [output], name: output, attribute });
    return output;
  }

  scalar(value: number): string {
    const known = this.scalars.get(value);
    if (known !== undefined) return known;
    const name = this.fresh(`const_${this.scalars.size}`);
    this.initializers.push(floatTensor(name, [], Float32Array.of(value)));
    this.scalars.set(value, name);
    return name;
  }

  shape(values: readonly number[], hint: string): string {
    const name = this.fresh(hint);
    this.initializers.push(int64Tensor(name, values));
    return name;
  }

  /** An expression tree as ONNX nodes; the root's result is called `target`. */
  expr(expr: ScalarExpr, operands: readonly string[], target: string, hint: string): string {
    const at = (sub: ScalarExpr): string => this.expr(sub, operands, this.fresh(`${hint}/t`), hint);
    switch (expr.kind) {
      case 'operand': {
        const name = operands[expr.index];
        if (name === undefined) throw new CompileError(`internal: body reads operand $${expr.index}`);
        return this.node('Identity', [name], target);
      }
      case 'const':
        return this.node('Identity', [this.scalar(expr.value)], target);
      case 'unary':
        return this.node(UNARY_OPS[expr.fn], [this.leaf(expr.arg, operands, at)], target);
      case 'binary':
        return this.node(BINARY_OPS[expr.fn], [this.leaf(expr.lhs, operands, at), this.leaf(expr.rhs, operands, at)], target);
      case 'select':
        return this.node('Where', [at(expr.cond), this.leaf(expr.ifTrue, operands, at), this.leaf(expr.ifFalse, operands, at)], target);
    }
  }

  /** Operands and constants are read directly rather than copied through Identity. */
  private leaf(expr: ScalarExpr, operands: readonly string[], at: (sub: ScalarExpr) => string): string {
    if (expr.kind === 'operand') return operands[expr.index] ?? at(expr);
    if (expr.kind === 'const') return this.scalar(expr.value);
    return at(expr);
  }
}

function emitElementwise(out: OnnxEmitter, op: string, attrs: Attrs, inputs: readonly { name: string; type: TensorType }[], target: string): void {
  const twin = PLAIN_TWINS[op];
  const names = inputs.map((v) => v.name);
  if (twin !== undefined) { out.node(twin, names, target); return; }
  if (op === 'leaky_relu' || op === 'elu') {
    out.node(op === 'elu' ? 'Elu' : 'LeakyRelu', names, target, [floatAttribute('alpha', floatAttr(attrs, 'alpha'))]);
    return;
  }
  if (op === 'dropout') { out.node('Dropout', names, target); return; }
  if (op === 'silu') {
    // PyTorch's export of nn.SiLU: x * Sigmoid(x).
    const gate = out.node('Sigmoid', names, out.fresh(`${target}/sigmoid`));
    out.node('Mul', [...names, gate], target);
    return;
  }
  if (op === 'gelu' && out.opset >= 20) {
    out.node('Gelu', names, target, [stringAttribute('approximate', stringAttr(attrs, 'approximate'))]);
    return;
  }
  const def = (OPS as Readonly<Record<string, (typeof OPS)[keyof typeof OPS]>>)[op];
  const spec = def?.elementwise;
  if (spec === undefined) throw new CompileError(`internal: ${op} is not elementwise`);
  // Operands that align differently from NumPy (PReLU's per-channel slope) are reshaped
  // to the shape they take, after which ONNX's NumPy broadcasting gives the same result.
  const shapes = inputs.map((v) => v.type.shape);
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const aligned = alignedOperandShapes(spec, shapes, rank).map((shape, i) => {
    const input = inputs[i];
    if (input === undefined || sameShape(shape, input.type.shape)) return input?.name ?? '';
    const dims = shape.map((d) => (isSymbolic(d) ? -1 : d));
    return out.node('Reshape', [input.name, out.shape(dims, `${target}/shape`)], out.fresh(`${target}/aligned`));
  });
  if (op === 'prelu') { out.node('PRelu', aligned, target); return; }
  out.expr(spec.body(attrs), aligned, target, target);
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

function emitNode(out: OnnxEmitter, node: Node, types: ReadonlyMap<string, TensorType>, graph: Graph): void {
  const def = OPS[node.op];
  const typed = node.inputs.map((name) => ({ name, type: types.get(name) ?? node.type }));
  switch (node.op) {
    case 'const': {
      const tensor = tensorAttr(node.attrs, 'value');
      if (graph.outputs.includes(node.name)) {
        const stored = out.fresh(`${node.name}/value`);
        out.initializers.push(floatTensor(stored, tensor.shape, tensor.data));
        out.node('Identity', [stored], node.name);
      } else {
        out.initializers.push(floatTensor(node.name, tensor.shape, tensor.data));
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
      const shape = out.shape(intsAttr(node.attrs, 'shape'), `${node.name}/shape`);
      out.node('Reshape', [...node.inputs, shape], node.name);
      return;
    }
    default:
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
      input: graph.inputs.map((v) => valueInfo(v.name, v.type.shape)),
      output: graph.outputs.map((name) => valueInfo(name, types.get(name)?.shape ?? [])),
    },
  });
  return { bytes, names };
}

/** The graph as ONNX ModelProto bytes (see writeOnnxModel for the one renamed case). */
export function writeOnnx(graph: Graph, options: WriteOnnxOptions = {}): Uint8Array {
  return writeOnnxModel(graph, options).bytes;
}
