// Converters for the bounded activations CNN exporters emit: Clip (ReLU6; min/max are
// optional constant inputs from opset 11), HardSigmoid (alpha, beta) and HardSwish. Each is
// the IR activation of the same name, so the passes can fuse it into the conv before it.

import { CompileError } from '../../../ir/errors.ts';
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

const clip: Converter = (node, cx) => {
  if (node.has('min') || node.has('max')) throw new CompileError('min and max are inputs from opset 11, not attributes');
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
