// A second reference for the WGSL tests: the interpreter with every elementwise body evaluated
// the way WGSL evaluates it, rounding to f32 after each operation, instead of in f64 as a
// whole. The two references differ only where a body is ill-conditioned (log(1 + tiny) is 0 in
// f32); a WGSL result must be close to one of them. Everything else is the interpreter's own
// evaluation, op by op.

import type { Graph } from '../../ir/graph.ts';
import { bindBatch, concreteShape, type Feeds, type Results } from '../../ir/interpret.ts';
import { alignedOperandShapes, broadcastStrides, OPS, type Tensor } from '../../ir/ops/index.ts';
import { erf, type ScalarExpr } from '../../ir/scalar.ts';
import { sizeOf, stridesOf, type StaticShape } from '../../ir/types.ts';

const f = Math.fround;

/** evaluateExpr with a rounding to f32 after every operation. */
export function evaluateExprF32(expr: ScalarExpr, operands: readonly number[]): number {
  const at = (e: ScalarExpr): number => evaluateExprF32(e, operands);
  switch (expr.kind) {
    case 'operand': return f(operands[expr.index] ?? NaN);
    case 'const': return f(expr.value);
    case 'unary': {
      const a = at(expr.arg);
      const fns = { neg: -a, abs: Math.abs(a), exp: Math.exp(a), log: Math.log(a), sqrt: Math.sqrt(a), tanh: Math.tanh(a), erf: erf(a) };
      return f(fns[expr.fn]);
    }
    case 'binary': {
      const a = at(expr.lhs);
      const b = at(expr.rhs);
      const fns = {
        add: a + b, sub: a - b, mul: a * b, div: a / b, max: Math.max(a, b), min: Math.min(a, b),
        lt: a < b ? 1 : 0, le: a <= b ? 1 : 0, gt: a > b ? 1 : 0, ge: a >= b ? 1 : 0, eq: a === b ? 1 : 0,
      };
      return f(fns[expr.fn]);
    }
    case 'select': return at(expr.cond) !== 0 ? at(expr.ifTrue) : at(expr.ifFalse);
  }
}

function elementwiseF32(body: ScalarExpr, shapes: readonly StaticShape[], inputs: readonly Tensor[], outShape: StaticShape): Float32Array {
  const strides = shapes.map((shape) => broadcastStrides(shape, outShape));
  const outStrides = stridesOf(outShape);
  const out = new Float32Array(sizeOf(outShape));
  const values = new Array<number>(inputs.length).fill(0);
  for (let flat = 0; flat < out.length; flat++) {
    inputs.forEach((input, k) => {
      let offset = 0;
      let rest = flat;
      outShape.forEach((_, axis) => {
        const coord = Math.floor(rest / (outStrides[axis] ?? 1));
        rest -= coord * (outStrides[axis] ?? 1);
        offset += coord * (strides[k]?.[axis] ?? 0);
      });
      values[k] = input.data[offset] ?? NaN;
    });
    out[flat] = evaluateExprF32(body, values);
  }
  return out;
}

/** Runs the graph like interpret(), elementwise bodies in f32 steps. */
export function interpretF32(graph: Graph, feeds: Feeds): Results {
  const batches = bindBatch(graph, feeds);
  const values = new Map<string, Tensor>();
  for (const input of graph.inputs) {
    values.set(input.name, { shape: concreteShape(input.type.shape, batches), data: Float32Array.from(feeds[input.name] ?? []) });
  }
  for (const node of graph.nodes) {
    const operands = node.inputs.map((name) => values.get(name) ?? { shape: [], data: new Float32Array() });
    const shape = concreteShape(node.type.shape, batches);
    const spec = OPS[node.op].elementwise;
    const data = spec === undefined
      ? OPS[node.op].evaluate(operands, node.attrs, shape)
      : elementwiseF32(spec.body(node.attrs), alignedOperandShapes(spec, operands.map((t) => t.shape), shape.length) as StaticShape[], operands, shape);
    values.set(node.name, { shape, data });
  }
  const results: Results = {};
  for (const name of graph.outputs) {
    Object.defineProperty(results, name, { value: values.get(name)?.data, enumerable: true, writable: true, configurable: true });
  }
  return results;
}
