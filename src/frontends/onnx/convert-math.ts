// Converters for ONNX's arithmetic ops: Gemm and MatMul (as `linear` when the weight is a
// constant, so the passes can fuse its activation), the elementwise ops (on integer
// constants: shape arithmetic, evaluated at import), PRelu with ONNX's slope broadcasting,
// Softmax in both of its opset meanings, and Gelu.

import { CompileError } from '../../../ir/errors.ts';
import { OPS } from '../../../ir/ops/index.ts';
import { E, type ScalarExpr } from '../../../ir/scalar.ts';
import { formatShape, formatType, isSymbolic, staticSize } from '../../../ir/types.ts';
import type { Value } from '../../builder.ts';
import type { ImportContext } from './context.ts';
import { intBinary } from './int-tensor.ts';
import type { NodeView } from './node-view.ts';

export type Converter = (node: NodeView, cx: ImportContext) => void;

/** The operand at `index`, which the op requires. */
export function operand(node: NodeView, index: number): string {
  const name = node.inputs[index];
  if (name === undefined || name === '') throw new CompileError(`expects an operand at position ${index}, found ${node.inputs.length} operands`);
  return name;
}

export function optionalOperand(node: NodeView, index: number): string | undefined {
  const name = node.inputs[index];
  return name === undefined || name === '' ? undefined : name;
}

/** Row-major transpose of a [rows, cols] matrix. */
function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] ?? NaN;
  return out;
}

function scaled(data: Float32Array, factor: number): Float32Array {
  return factor === 1 ? data : data.map((v) => v * factor);
}

/** C as a bias vector of `n` values, when it broadcasts along rows only ([], [1], [n], [1,n]). */
function biasVector(cx: ImportContext, name: string, n: number, beta: number): { value?: Value; data?: Float32Array } | undefined {
  const known = cx.knownFloats(name);
  if (known === undefined) return undefined;
  const dims = known.shape.filter((d, i) => !(d === 1 && i < known.shape.length - 1));
  if (dims.length > 1 || (dims.length === 1 && dims[0] !== n && dims[0] !== 1)) return undefined;
  if (beta === 1 && known.shape.length === 1 && known.shape[0] === n) return { value: cx.value(name) };
  const data = known.data.length === n ? scaled(known.data, beta) : new Float32Array(n).fill((known.data[0] ?? NaN) * beta);
  return { data };
}

/** Y = alpha · A' · B' + beta · C (A' = Aᵀ if transA, B' = Bᵀ if transB). */
const gemm: Converter = (node, cx) => {
  const b = cx.builder;
  const out = node.output;
  const alpha = node.float('alpha', 1);
  const beta = node.float('beta', 1);
  const [transA, transB] = [node.int('transA', 0) !== 0, node.int('transB', 0) !== 0];
  let a = cx.value(operand(node, 0));
  if (a.type.shape.length !== 2) throw new CompileError(`A must be a matrix, found ${formatType(a.type)}`);
  if (transA) a = b.transpose(a, [1, 0], cx.fresh(`${out}/a_t`));
  const bName = operand(node, 1);
  const cName = optionalOperand(node, 2);
  const weight = cx.knownFloats(bName);
  if (weight !== undefined && weight.shape.length === 2) {
    const [rows = 0, cols = 0] = weight.shape;
    const n = transB ? rows : cols;
    // linear wants W as [out, in]: that is B when transB = 1 (PyTorch's Linear), else Bᵀ.
    const w = transB && alpha === 1 ? cx.value(bName)
      : b.constant(scaled(transB ? weight.data : transposed(weight.data, rows, cols), alpha), [n, transB ? cols : rows], cx.fresh(`${bName}_T`));
    const bias = cName === undefined ? undefined : biasVector(cx, cName, n, beta);
    const biasValue = bias?.value ?? (bias?.data ? b.constant(bias.data, [n], cx.fresh(`${cName ?? out}_bias`)) : undefined);
    const needsAdd = cName !== undefined && bias === undefined;
    const y = b.linear(a, w, biasValue, undefined, [], needsAdd ? cx.fresh(`${out}/linear`) : out);
    if (needsAdd) cx.defineValue(out, addScaled(cx, y, cName, beta, out));
    else cx.defineValue(out, y);
    return;
  }
  let bv = cx.value(bName);
  if (bv.type.shape.length !== 2) throw new CompileError(`B must be a matrix, found ${formatType(bv.type)}`);
  if (transB) bv = b.transpose(bv, [1, 0], cx.fresh(`${out}/b_t`));
  const last = cName === undefined && alpha === 1;
  let y = b.matmul(a, bv, last ? out : cx.fresh(`${out}/matmul`));
  if (alpha !== 1) y = b.mul(y, b.constant(Float32Array.of(alpha), [], cx.fresh(`${out}/alpha`)), cName === undefined ? out : cx.fresh(`${out}/scaled`));
  cx.defineValue(out, cName === undefined ? y : addScaled(cx, y, cName, beta, out));
};

function addScaled(cx: ImportContext, y: Value, cName: string, beta: number, out: string): Value {
  const b = cx.builder;
  let c = cx.value(cName);
  if (beta !== 1) c = b.mul(c, b.constant(Float32Array.of(beta), [], cx.fresh(`${out}/beta`)), cx.fresh(`${out}/c_scaled`));
  return b.add(y, c, out);
}

/** MatMul by a constant matrix is `linear` with the matrix transposed to [out, in]. */
const matmul: Converter = (node, cx) => {
  const out = node.output;
  const a = cx.value(operand(node, 0));
  const bName = operand(node, 1);
  const weight = cx.knownFloats(bName);
  if (weight !== undefined && weight.shape.length === 2 && a.type.shape.length >= 2) {
    const [k = 0, n = 0] = weight.shape;
    const w = cx.builder.constant(transposed(weight.data, k, n), [n, k], cx.fresh(`${bName}_T`));
    cx.defineValue(out, cx.builder.linear(a, w, undefined, undefined, [], out));
    return;
  }
  cx.defineValue(out, cx.builder.matmul(a, cx.value(bName), out));
};

function binary(op: 'add' | 'sub' | 'mul' | 'div'): Converter {
  return (node, cx) => {
    const out = node.output;
    const [a, b] = [cx.known(operand(node, 0)), cx.known(operand(node, 1))];
    if (a?.kind === 'int' && b?.kind === 'int') {
      cx.defineConst(out, intBinary(op, a, b)); // shape arithmetic, evaluated now
      return;
    }
    cx.defineValue(out, cx.builder.op(op, [cx.value(operand(node, 0)), cx.value(operand(node, 1))], {}, out));
  };
}

function unary(op: 'relu' | 'sigmoid' | 'tanh', attrs: (node: NodeView) => Record<string, number | string> = () => ({})): Converter {
  return (node, cx) => {
    const out = node.output;
    cx.defineValue(out, cx.builder.op(op, [cx.value(operand(node, 0))], attrs(node), out));
  };
}

/** ONNX math ops fusegraph has no op of its own for: one scalar body each, fused_elementwise. */
function scalarOp(arity: 1 | 2, body: ScalarExpr): Converter {
  return (node, cx) => {
    const operands = Array.from({ length: arity }, (_, i) => cx.value(operand(node, i)));
    if (node.inputs.length > arity) throw new CompileError(`expects ${arity} operands, found ${node.inputs.length}`);
    cx.defineValue(node.output, cx.builder.op('fused_elementwise', operands, { body }, node.output));
  };
}

/**
 * Max and Min take one or more operands (variadic since opset 8), broadcast NumPy-style
 * together: one operand is the identity; more fold left to right in one fused body.
 */
function variadic(combine: (a: ScalarExpr, b: ScalarExpr) => ScalarExpr): Converter {
  return (node, cx) => {
    if (node.inputs.length === 0) throw new CompileError('expects at least one operand, found none');
    if (node.inputs.length === 1) {
      cx.alias(node.output, operand(node, 0));
      return;
    }
    const operands = node.inputs.map((_, i) => cx.value(operand(node, i)));
    let body = E.operand(0);
    for (let i = 1; i < operands.length; i++) body = combine(body, E.operand(i));
    cx.defineValue(node.output, cx.builder.op('fused_elementwise', operands, { body }, node.output));
  };
}

const leakyRelu: Converter = (node, cx) => {
  cx.defineValue(node.output, cx.builder.leakyRelu(cx.value(operand(node, 0)), node.float('alpha', 0.01), node.output));
};

const elu: Converter = (node, cx) => {
  cx.defineValue(node.output, cx.builder.elu(cx.value(operand(node, 0)), node.float('alpha', 1), node.output));
};

const gelu: Converter = (node, cx) => {
  const approximate = node.string('approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') throw new CompileError(`attribute 'approximate' must be "none" or "tanh", found ${JSON.stringify(approximate)}`);
  cx.defineValue(node.output, cx.builder.gelu(cx.value(operand(node, 0)), approximate, node.output));
};

/**
 * PRelu's slope broadcasts to X NumPy-style (right-aligned). fusegraph's prelu takes a
 * scalar or one slope per channel (axis 1); any other slope runs as the same body through
 * `fused_elementwise`, whose operands broadcast NumPy-style too.
 */
const prelu: Converter = (node, cx) => {
  const b = cx.builder;
  const out = node.output;
  const x = cx.value(operand(node, 0));
  const slopeName = operand(node, 1);
  const slope = cx.value(slopeName);
  const rank = x.type.shape.length;
  const slopeShape = slope.type.shape;
  if (slopeShape.length > rank || slopeShape.some(isSymbolic)) {
    throw new CompileError(`slope ${formatShape(slopeShape)} does not broadcast to X ${formatShape(x.type.shape)}`);
  }
  const padded = [...new Array<number>(rank - slopeShape.length).fill(1), ...(slopeShape as number[])];
  const varying = padded.flatMap((d, axis) => (d === 1 ? [] : [axis]));
  const count = staticSize(slopeShape);
  if (varying.length === 0 || (varying.length === 1 && varying[0] === 1 && rank >= 2)) {
    const want = varying.length === 0 ? [1] : [count];
    const s = slopeShape.length === 1 && slopeShape[0] === want[0] ? slope : b.reshape(slope, want, cx.fresh(`${slopeName}_slope`));
    cx.defineValue(out, b.prelu(x, s, out));
    return;
  }
  const body = OPS.prelu.elementwise?.body({});
  if (body === undefined) throw new CompileError('internal: prelu has no elementwise body');
  cx.defineValue(out, b.op('fused_elementwise', [x, slope], { body }, out));
};

/**
 * Softmax from opset 13 normalizes along `axis` (default -1). Before 13 it coerced the input
 * to 2-D at `axis` (default 1) and normalized each row of that matrix: over all the dims
 * from `axis` on. That meaning is kept, written as reshape → softmax → reshape.
 */
const softmax: Converter = (node, cx) => {
  const b = cx.builder;
  const out = node.output;
  const x = cx.value(operand(node, 0));
  const shape = x.type.shape;
  const rank = shape.length;
  const given = node.int('axis', cx.opset >= 13 ? -1 : 1);
  const axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis >= rank) throw new CompileError(`axis ${given} is out of range for ${formatType(x.type)}`);
  if (cx.opset >= 13 || axis === rank - 1) {
    cx.defineValue(out, b.softmax(x, axis, out));
    return;
  }
  const batched = isSymbolic(shape[0] ?? 1);
  if (batched && axis === 0) throw new CompileError(`softmax over the batch of ${formatType(x.type)} (opset ${cx.opset} coerces at axis 0) is not supported`);
  const tail = staticSize(shape.slice(axis));
  const rows = batched ? [-1, staticSize(shape.slice(1, axis)), tail] : [staticSize(shape.slice(0, axis)), tail];
  const flat = b.reshape(x, rows, cx.fresh(`${out}/rows`));
  const normalized = b.softmax(flat, -1, cx.fresh(`${out}/softmax`));
  const back = shape.map((d) => (isSymbolic(d) ? -1 : d));
  cx.defineValue(out, b.reshape(normalized, back, out));
};

/**
 * BatchNormalization at inference, with constant statistics: y = x·a + b per channel (axis
 * 1), a = scale / sqrt(var + epsilon) and b = B - mean·a computed once here, in f64.
 */
const batchNorm: Converter = (node, cx) => {
  const b = cx.builder;
  const out = node.output;
  const x = cx.value(operand(node, 0));
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => {
    const known = cx.knownFloats(operand(node, i));
    if (known === undefined) throw new CompileError(`operand ${i} (scale, B, mean, var) must be a constant at inference`);
    return known.data;
  }) as [Float32Array, Float32Array, Float32Array, Float32Array];
  if (node.int('training_mode', 0) !== 0 || node.outputs.filter((o) => o !== '').length > 1) {
    throw new CompileError('training mode (running statistics as outputs) is not supported; fusegraph compiles inference');
  }
  const channels = x.type.shape[1];
  if (typeof channels !== 'number' || [scale, bias, mean, variance].some((t) => t.length !== channels)) {
    throw new CompileError(`needs ${String(channels)} values per statistic for channels on axis 1 of ${formatType(x.type)}`);
  }
  const epsilon = node.float('epsilon', 1e-5);
  const a = scale.map((s, c) => s / Math.sqrt((variance[c] ?? NaN) + epsilon));
  const shift = bias.map((v, c) => v - (mean[c] ?? NaN) * (a[c] ?? NaN));
  // [C] broadcasts NumPy-style against the last axis: for rank > 2 it becomes [C,1,…].
  const shape = [channels, ...new Array<number>(Math.max(0, x.type.shape.length - 2)).fill(1)];
  const scaledX = b.mul(x, b.constant(a, shape, cx.fresh(`${out}/scale`)), cx.fresh(`${out}/scaled`));
  cx.defineValue(out, b.add(scaledX, b.constant(shift, shape, cx.fresh(`${out}/shift`)), out));
};

export const MATH_CONVERTERS: Readonly<Record<string, Converter>> = {
  Gemm: gemm,
  MatMul: matmul,
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Relu: unary('relu'),
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  LeakyRelu: leakyRelu,
  Elu: elu,
  PRelu: prelu,
  Gelu: gelu,
  Softmax: softmax,
  BatchNormalization: batchNorm,
  Neg: scalarOp(1, E.neg(E.operand(0))),
  Abs: scalarOp(1, E.abs(E.operand(0))),
  Exp: scalarOp(1, E.exp(E.operand(0))),
  Log: scalarOp(1, E.log(E.operand(0))),
  Sqrt: scalarOp(1, E.sqrt(E.operand(0))),
  Erf: scalarOp(1, E.erf(E.operand(0))),
  Max: variadic(E.max),
  Min: variadic(E.min),
};
