// The pieces of the ONNX writer every op uses: attribute and initializer builders, the
// emitter that names nodes and shares scalar constants, and elementwise ops written as their
// ONNX twin or, for any other body of the op table, as one ONNX node per step of the body.

import { CompileError } from '../../../ir/errors.ts';
import type { Graph } from '../../../ir/graph.ts';
import { alignedOperandShapes, floatAttr, OPS, stringAttr, type Attrs } from '../../../ir/ops/index.ts';
import type { BinaryFn, ScalarExpr, UnaryFn } from '../../../ir/scalar.ts';
import { isSymbolic, sameShape, type Shape, type TensorType } from '../../../ir/types.ts';
import { writeF32 } from '../f32-bytes.ts';
import { AttributeType, DataType, type ModelInit, type ValueInfoProto } from './proto.ts';

export type OnnxNode = ModelInit['graph']['node'][number];
export type OnnxAttribute = NonNullable<OnnxNode['attribute']>[number];
export type OnnxTensor = ModelInit['graph']['initializer'][number];

const UNARY_OPS: Readonly<Record<UnaryFn, string>> = { neg: 'Neg', abs: 'Abs', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', tanh: 'Tanh', erf: 'Erf', trunc: 'Cast' };
const BINARY_OPS: Readonly<Record<BinaryFn, string>> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', max: 'Max', min: 'Min',
  lt: 'Less', le: 'LessOrEqual', gt: 'Greater', ge: 'GreaterOrEqual', eq: 'Equal',
};
/** fusegraph elementwise ops whose ONNX op of the same meaning takes no extra attributes. */
const PLAIN_TWINS: Readonly<Record<string, string>> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', identity: 'Identity',
  softsign: 'Softsign', softplus: 'Softplus',
  sqrt: 'Sqrt', reciprocal: 'Reciprocal',
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

export function valueInfo(name: string, shape: Shape, elemType: number = DataType.FLOAT): ValueInfoProto {
  const dim = shape.map((d) => (isSymbolic(d) ? { dim_param: d } : { dim_value: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

export class OnnxEmitter {
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
        if (expr.fn === 'trunc') {
          // ONNX has no Trunc: a float → INT64 cast truncates, and casting back gives the f32.
          const whole = this.node('Cast', [this.leaf(expr.arg, operands, at)], this.fresh(`${hint}/int`), [intAttribute('to', DataType.INT64)]);
          return this.node('Cast', [whole], target, [intAttribute('to', DataType.FLOAT)]);
        }
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

export function emitElementwise(out: OnnxEmitter, op: string, attrs: Attrs, inputs: readonly { name: string; type: TensorType }[], target: string): void {
  const twin = PLAIN_TWINS[op];
  const names = inputs.map((v) => v.name);
  if (twin !== undefined) { out.node(twin, names, target); return; }
  if (op === 'leaky_relu' || op === 'elu' || op === 'thresholded_relu') {
    const onnxOp = op === 'elu' ? 'Elu' : op === 'leaky_relu' ? 'LeakyRelu' : 'ThresholdedRelu';
    out.node(onnxOp, names, target, [floatAttribute('alpha', floatAttr(attrs, 'alpha'))]);
    return;
  }
  if (op === 'dropout') { out.node('Dropout', names, target); return; }
  if (op === 'pow') { out.node('Pow', [...names, out.scalar(floatAttr(attrs, 'exponent'))], target); return; }
  if (op === 'clip') {
    // Clip's bounds are optional inputs (opset 11+); an open side is left out.
    const min = floatAttr(attrs, 'min');
    const max = floatAttr(attrs, 'max');
    const bounds = [min === -Infinity ? '' : out.scalar(min), ...(max === Infinity ? [] : [out.scalar(max)])];
    out.node('Clip', [...names, ...(bounds[0] === '' && bounds.length === 1 ? [] : bounds)], target);
    return;
  }
  if (op === 'hard_sigmoid') {
    out.node('HardSigmoid', names, target, [floatAttribute('alpha', floatAttr(attrs, 'alpha')), floatAttribute('beta', floatAttr(attrs, 'beta'))]);
    return;
  }
  if (op === 'hard_swish' && out.opset >= 14) { out.node('HardSwish', names, target); return; }
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

