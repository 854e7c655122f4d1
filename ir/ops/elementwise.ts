// Elementwise ops: each is a scalar body over operands $0, $1, … (ir/scalar.ts), broadcast
// NumPy-style. Their shape rule and reference semantics are derived from that body here,
// so the interpreter, the fusion pass and every backend share one definition per op.

import { CompileError } from '../errors.ts';
import { E, evaluateExpr, exprProblem, type ScalarExpr } from '../scalar.ts';
import { formatShape, sameShape, stridesOf, sizeOf, type Shape, type StaticShape, type TensorType } from '../types.ts';
import { exprAttr, floatAttr, stringAttr } from './attrs.ts';
import { broadcastShapes, broadcastStrides } from './broadcast.ts';
import { ANY_DTYPE, KEEPS_DTYPE } from './dtype-rules.ts';
import { powBody } from './power.ts';
import type { Arity, AttrSpec, Attrs, DTypeRule, ElementwiseSpec, OpDef, Tensor } from './types.ts';

interface ElementwiseOptions {
  readonly name: string;
  readonly doc: string;
  readonly arity: Arity;
  readonly attrs?: Readonly<Record<string, AttrSpec>>;
  readonly activation: boolean;
  body(attrs: Attrs): ScalarExpr;
  alignOperand?(index: number, operand: Shape, outRank: number): Shape;
  /** Extra shape checks beyond broadcasting (PReLU's slope). */
  checkOperands?(inputs: readonly TensorType[]): void;
  /** Element types (absent: f32 in and out). */
  readonly dtypes?: DTypeRule;
  /** The output shape when it is not the operands' broadcast (expand: a target shape too). */
  outShape?(operands: readonly Shape[], attrs: Attrs): Shape;
}

/** The shape each operand takes when broadcast against an output of rank `outRank`. */
export function alignedOperandShapes(spec: ElementwiseSpec, shapes: readonly Shape[], outRank: number): Shape[] {
  return shapes.map((shape, index) => spec.alignOperand?.(index, shape, outRank) ?? shape);
}

function outputRank(shapes: readonly Shape[]): number {
  return Math.max(0, ...shapes.map((s) => s.length));
}

/** Reference evaluation of any elementwise body: f32 arithmetic per element (ir/scalar.ts). */
export function evaluateElementwise(
  spec: ElementwiseSpec,
  attrs: Attrs,
  inputs: readonly Tensor[],
  outShape: StaticShape,
): Float32Array {
  const body = spec.body(attrs);
  const aligned = alignedOperandShapes(spec, inputs.map((t) => t.shape), outShape.length);
  const strides = aligned.map((shape) => broadcastStrides(shape as StaticShape, outShape));
  const outStrides = stridesOf(outShape);
  const out = new Float32Array(sizeOf(outShape));
  const values = new Array<number>(inputs.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    for (let k = 0; k < inputs.length; k++) {
      const operandStrides = strides[k] ?? [];
      let offset = 0;
      let rest = flat;
      for (let axis = 0; axis < outShape.length; axis++) {
        const step = outStrides[axis] ?? 1;
        const coord = Math.floor(rest / step);
        rest -= coord * step;
        offset += coord * (operandStrides[axis] ?? 0);
      }
      values[k] = inputs[k]?.data[offset] ?? NaN;
    }
    out[flat] = evaluateExpr(body, values);
  }
  return out;
}

export function elementwiseOp(options: ElementwiseOptions): OpDef {
  const spec: ElementwiseSpec = {
    body: options.body,
    activation: options.activation,
    ...(options.alignOperand ? { alignOperand: options.alignOperand } : {}),
    ...(options.outShape ? { ownShape: true } : {}),
  };
  return {
    name: options.name,
    kind: 'elementwise',
    pure: true,
    arity: options.arity,
    attrs: options.attrs ?? {},
    doc: options.doc,
    ...(options.dtypes !== undefined ? { dtypes: options.dtypes } : {}),
    elementwise: spec,
    inferType(inputs: readonly TensorType[], attrs: Attrs): TensorType {
      options.checkOperands?.(inputs);
      const problem = exprProblem(options.body(attrs), inputs.length);
      if (problem !== undefined) throw new CompileError(`bad body: ${problem}`);
      const shapes = inputs.map((t) => t.shape);
      const out = options.outShape?.(shapes, attrs) ?? broadcastShapes(alignedOperandShapes(spec, shapes, outputRank(shapes)));
      const data = inputs[0];
      if (options.activation && data !== undefined && !sameShape(out, data.shape)) {
        throw new CompileError(`parameters must not change the data shape ${formatShape(data.shape)}, got ${formatShape(out)}`);
      }
      return { dtype: 'f32', shape: out };
    },
    evaluate: (inputs, attrs, outShape) => evaluateElementwise(spec, attrs, inputs, outShape),
  };
}

const x = E.operand(0);
const UNARY: Arity = { min: 1, max: 1 };
const BINARY: Arity = { min: 2, max: 2 };

const finite = (value: number): string | undefined => (Number.isFinite(value) ? undefined : 'must be finite');
const nonNegative = (value: number): string | undefined =>
  Number.isFinite(value) && value >= 0 ? undefined : 'must be a finite number >= 0';

/** sigmoid(v) written so that neither branch overflows: exp only ever sees -|v|. */
function sigmoidOf(v: ScalarExpr): ScalarExpr {
  return E.select(E.ge(v, 0), E.div(1, E.add(1, E.exp(E.neg(v)))), E.div(E.exp(v), E.add(1, E.exp(v))));
}

function binaryOp(name: string, doc: string, body: ScalarExpr): OpDef {
  return elementwiseOp({ name, doc, arity: BINARY, activation: false, body: () => body });
}

export const elementwiseOps = {
  add: binaryOp('add', 'a + b with NumPy broadcasting', E.add(E.operand(0), E.operand(1))),
  sub: binaryOp('sub', 'a - b with NumPy broadcasting', E.sub(E.operand(0), E.operand(1))),
  mul: binaryOp('mul', 'a * b with NumPy broadcasting', E.mul(E.operand(0), E.operand(1))),
  div: binaryOp('div', 'a / b with NumPy broadcasting', E.div(E.operand(0), E.operand(1))),
  relu: elementwiseOp({
    name: 'relu', doc: 'max(x, 0); NaN propagates', arity: UNARY, activation: true,
    body: () => E.select(E.lt(x, 0), 0, x),
  }),
  leaky_relu: elementwiseOp({
    name: 'leaky_relu', doc: 'x for x >= 0, alpha * x otherwise', arity: UNARY, activation: true,
    attrs: { alpha: { type: 'float', default: 0.01, check: finite } },
    body: (attrs) => E.select(E.lt(x, 0), E.mul(floatAttr(attrs, 'alpha'), x), x),
  }),
  prelu: elementwiseOp({
    name: 'prelu',
    doc: 'x for x >= 0, slope * x otherwise; slope is a scalar ([] or [1]) or one value per channel (axis 1)',
    arity: BINARY, activation: true,
    body: () => E.select(E.lt(x, 0), E.mul(E.operand(1), x), x),
    checkOperands(inputs) {
      const [data, slope] = inputs;
      if (data === undefined || slope === undefined) return;
      const count = slope.shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : NaN), 1);
      if (slope.shape.length <= 1 && count === 1) return;
      const channels = data.shape[1];
      if (slope.shape.length === 1 && data.shape.length >= 2 && slope.shape[0] === channels) return;
      throw new CompileError(
        `slope must be a scalar or one value per channel [${String(channels ?? '?')}] on axis 1 of ${formatShape(data.shape)}, got ${formatShape(slope.shape)}`,
      );
    },
    alignOperand(index, operand, outRank) {
      if (index !== 1 || operand.length !== 1 || outRank <= 2) return operand;
      return [...operand, ...new Array<number>(outRank - 2).fill(1)];
    },
  }),
  elu: elementwiseOp({
    name: 'elu', doc: 'x for x > 0, alpha * (exp(x) - 1) otherwise', arity: UNARY, activation: true,
    attrs: { alpha: { type: 'float', default: 1, check: nonNegative } },
    body: (attrs) => E.select(E.lt(x, 0), E.mul(floatAttr(attrs, 'alpha'), E.sub(E.exp(x), 1)), x),
  }),
  sigmoid: elementwiseOp({
    name: 'sigmoid', doc: '1 / (1 + exp(-x)), evaluated without overflow', arity: UNARY, activation: true,
    body: () => sigmoidOf(x),
  }),
  tanh: elementwiseOp({ name: 'tanh', doc: 'tanh(x)', arity: UNARY, activation: true, body: () => E.tanh(x) }),
  gelu: elementwiseOp({
    name: 'gelu', doc: "x * Phi(x) (approximate = 'none', erf) or its tanh approximation", arity: UNARY,
    activation: true,
    attrs: { approximate: { type: 'enum', values: ['none', 'tanh'], default: 'none' } },
    body: (attrs) =>
      stringAttr(attrs, 'approximate') === 'tanh'
        ? E.mul(E.mul(0.5, x), E.add(1, E.tanh(E.mul(Math.sqrt(2 / Math.PI), E.add(x, E.mul(0.044715, E.mul(x, E.mul(x, x))))))))
        : E.mul(E.mul(0.5, x), E.add(1, E.erf(E.mul(x, Math.SQRT1_2)))),
  }),
  silu: elementwiseOp({
    name: 'silu', doc: 'x * sigmoid(x)', arity: UNARY, activation: true, body: () => E.mul(x, sigmoidOf(x)),
  }),
  clip: elementwiseOp({
    name: 'clip', doc: 'min(max(x, min), max) (ReLU6 is clip(0, 6)); NaN propagates', arity: UNARY, activation: true,
    attrs: { min: { type: 'float', default: -Infinity }, max: { type: 'float', default: Infinity } },
    body: (attrs) => E.min(E.max(x, floatAttr(attrs, 'min')), floatAttr(attrs, 'max')),
  }),
  hard_sigmoid: elementwiseOp({
    name: 'hard_sigmoid', doc: 'max(0, min(1, alpha * x + beta)) (PyTorch: alpha = 1/6)', arity: UNARY, activation: true,
    attrs: { alpha: { type: 'float', default: 0.2, check: finite }, beta: { type: 'float', default: 0.5, check: finite } },
    body: (attrs) => E.max(0, E.min(1, E.add(E.mul(floatAttr(attrs, 'alpha'), x), floatAttr(attrs, 'beta')))),
  }),
  hard_swish: elementwiseOp({
    name: 'hard_swish', doc: 'x * max(0, min(1, x / 6 + 0.5)) (ONNX HardSwish)', arity: UNARY, activation: true,
    body: () => E.mul(x, E.max(0, E.min(1, E.add(E.mul(1 / 6, x), 0.5)))),
  }),
  // The rest of the activations ONNX's LSTM/GRU/RNN accept (their `activations` attribute).
  softsign: elementwiseOp({
    name: 'softsign', doc: 'x / (1 + |x|)', arity: UNARY, activation: true, body: () => E.div(x, E.add(1, E.abs(x))),
  }),
  softplus: elementwiseOp({
    name: 'softplus', doc: 'log(1 + exp(x)), as max(x, 0) + log(1 + exp(-|x|)) so it never overflows', arity: UNARY,
    activation: true, body: () => E.add(E.max(x, 0), E.log(E.add(1, E.exp(E.neg(E.abs(x)))))),
  }),
  affine: elementwiseOp({
    name: 'affine', doc: 'alpha * x + beta', arity: UNARY, activation: true,
    attrs: { alpha: { type: 'float', default: 1, check: finite }, beta: { type: 'float', default: 0, check: finite } },
    body: (attrs) => E.add(E.mul(floatAttr(attrs, 'alpha'), x), floatAttr(attrs, 'beta')),
  }),
  scaled_tanh: elementwiseOp({
    name: 'scaled_tanh', doc: 'alpha * tanh(beta * x)', arity: UNARY, activation: true,
    attrs: { alpha: { type: 'float', default: 1, check: finite }, beta: { type: 'float', default: 1, check: finite } },
    body: (attrs) => E.mul(floatAttr(attrs, 'alpha'), E.tanh(E.mul(floatAttr(attrs, 'beta'), x))),
  }),
  thresholded_relu: elementwiseOp({
    name: 'thresholded_relu', doc: 'x for x > alpha, 0 otherwise', arity: UNARY, activation: true,
    attrs: { alpha: { type: 'float', default: 1, check: finite } },
    body: (attrs) => E.select(E.gt(x, floatAttr(attrs, 'alpha')), x, 0),
  }),
  sqrt: elementwiseOp({ name: 'sqrt', doc: 'sqrt(x), correctly rounded; NaN for x < 0', arity: UNARY, activation: false, body: () => E.sqrt(x) }),
  reciprocal: elementwiseOp({ name: 'reciprocal', doc: '1 / x, correctly rounded', arity: UNARY, activation: false, body: () => E.div(1, x) }),
  pow: elementwiseOp({
    name: 'pow', doc: 'x ^ exponent, a constant (2: x·x, 0.5: sqrt(x), others exp(e·log|x|) with C pow sign rules)',
    arity: UNARY, activation: false, attrs: { exponent: { type: 'float', check: finite } },
    body: (attrs) => powBody(floatAttr(attrs, 'exponent')),
  }),
  identity: elementwiseOp({ name: 'identity', doc: 'x (any element type, kept)', arity: UNARY, activation: false, dtypes: KEEPS_DTYPE, body: () => x }),
  dropout: elementwiseOp({
    name: 'dropout', doc: 'x at inference (p is kept for the record)', arity: UNARY, activation: false,
    attrs: {
      p: { type: 'float', default: 0.5, check: (p) => (p >= 0 && p < 1 ? undefined : 'must be in [0, 1)') },
    },
    body: () => x,
  }),
  fused_elementwise: elementwiseOp({
    name: 'fused_elementwise', doc: 'any scalar body over broadcast operands (made by fusion)',
    arity: { min: 1, max: Infinity }, activation: false,
    // `dtype`: the result's element type when not f32 (a fused mask); operands may be any.
    attrs: { body: { type: 'expr' }, dtype: { type: 'enum', values: ['i32', 'bool'], optional: true } },
    dtypes: { operands: [ANY_DTYPE], result: (_types, attrs) => (attrs['dtype'] === 'i32' || attrs['dtype'] === 'bool' ? attrs['dtype'] : 'f32') },
    body: (attrs) => exprAttr(attrs, 'body'),
  }),
} satisfies Record<string, OpDef>;
