// Converters for the bounded activations CNN exporters emit: Clip (ReLU6; min/max are
// optional inputs from opset 11; a computed bound, like a log-mel's `max - 80` floor, makes
// it a fused max/min body), HardSigmoid (alpha, beta) and HardSwish. Each is
// the IR activation of the same name, so the passes can fuse it into the conv before it.

import { CompileError } from '../../../ir/errors.ts';
import { E, type ScalarExpr } from '../../../ir/scalar.ts';
import { formatType, isSymbolic, staticSize } from '../../../ir/types.ts';
import type { ImportContext } from './context.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import type { NodeView } from './node-view.ts';

/** An optional scalar bound of Clip; absent means unbounded on that side. */
function bound(node: NodeView, cx: ImportContext, index: number, what: string, fallback: number): number {
  const name = optionalOperand(node, index);
  if (name === undefined) return fallback;
  const known = cx.known(name);
  if (known === undefined) throw new CompileError(`${what} must be a constant (an initializer or Constant), but it is computed`);
  const values = known.kind === 'float' ? Array.from(known.data) : known.values;
  if (values.length !== 1) throw new CompileError(`${what} must be a single value, got ${values.length}`);
  return values[0] ?? fallback;
}

/** Clip whose bounds are computed values: min(max(x, lo), hi) with the bounds broadcast. */
function computedClip(node: NodeView, cx: ImportContext): void {
  const operands = [cx.value(operand(node, 0))];
  let body: ScalarExpr = E.operand(0);
  for (const [index, combine] of [[1, E.max], [2, E.min]] as const) {
    const name = optionalOperand(node, index);
    if (name === undefined) continue;
    const bound = cx.value(name);
    if (bound.type.shape.some(isSymbolic) || staticSize(bound.type.shape) !== 1) throw new CompileError(`${index === 1 ? 'min' : 'max'} must be a single value, got ${formatType(bound.type)}`);
    operands.push(bound);
    body = combine(body, E.operand(operands.length - 1));
  }
  cx.defineValue(node.output, cx.builder.op('fused_elementwise', operands, { body }, node.output));
}

const clip: Converter = (node, cx) => {
  if (node.has('min') || node.has('max')) throw new CompileError('min and max are inputs from opset 11, not attributes');
  const computed = [1, 2].some((i) => { const name = optionalOperand(node, i); return name !== undefined && cx.known(name) === undefined; });
  if (computed) return computedClip(node, cx);
  const min = bound(node, cx, 1, 'min', -Infinity);
  const max = bound(node, cx, 2, 'max', Infinity);
  cx.defineValue(node.output, cx.builder.op('clip', [cx.value(operand(node, 0))], { min, max }, node.output));
};

const hardSigmoid: Converter = (node, cx) => {
  const attrs = { alpha: node.float('alpha', 0.2), beta: node.float('beta', 0.5) };
  cx.defineValue(node.output, cx.builder.op('hard_sigmoid', [cx.value(operand(node, 0))], attrs, node.output));
};

const hardSwish: Converter = (node, cx) => {
  cx.defineValue(node.output, cx.builder.op('hard_swish', [cx.value(operand(node, 0))], {}, node.output));
};

/** Softsign, Softplus and ThresholdedRelu: the IR activations of the same name (also LSTM/GRU/RNN activations). */
function plain(op: 'softsign' | 'softplus' | 'thresholded_relu'): Converter {
  return (node, cx) => {
    const attrs = op === 'thresholded_relu' ? { alpha: node.float('alpha', 1) } : {};
    cx.defineValue(node.output, cx.builder.op(op, [cx.value(operand(node, 0))], attrs, node.output));
  };
}

export const ACTIVATION_CONVERTERS: Readonly<Record<string, Converter>> = {
  Clip: clip, HardSigmoid: hardSigmoid, HardSwish: hardSwish,
  Softsign: plain('softsign'), Softplus: plain('softplus'), ThresholdedRelu: plain('thresholded_relu'),
};
