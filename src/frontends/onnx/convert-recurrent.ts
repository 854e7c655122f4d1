// Converters for ONNX LSTM, GRU and RNN: one `lstm`/`gru`/`rnn` node whose packed result
// (Y, Y_h[, Y_c] along the time axis, ir/ops/recurrent.ts) is cut into the ONNX outputs with
// `slice` and `reshape`. sequence_lens must be a constant (it becomes an attribute); the
// activations list maps onto the op table's activations, alphas and betas consumed in
// order by the functions that take them, as onnxruntime does.

import { CompileError } from '../../../ir/errors.ts';
import type { Activation, Attrs } from '../../../ir/ops/index.ts';
import { CELL_SHAPES, type CellKind } from '../../../ir/ops/recurrent.ts';
import { isSymbolic } from '../../../ir/types.ts';
import type { Value } from '../../builder.ts';
import type { ImportContext } from './context.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import type { NodeView } from './node-view.ts';

/** ONNX activation name → IR activation op and the parameters it takes (with defaults). */
const ACTIVATIONS: Readonly<Record<string, { op: string; alpha?: number; beta?: number }>> = {
  sigmoid: { op: 'sigmoid' },
  tanh: { op: 'tanh' },
  relu: { op: 'relu' },
  softsign: { op: 'softsign' },
  softplus: { op: 'softplus' },
  leakyrelu: { op: 'leaky_relu', alpha: 0.01 },
  thresholdedrelu: { op: 'thresholded_relu', alpha: 1 },
  elu: { op: 'elu', alpha: 1 },
  hardsigmoid: { op: 'hard_sigmoid', alpha: 0.2, beta: 0.5 },
  affine: { op: 'affine', alpha: 1, beta: 0 },
  scaledtanh: { op: 'scaled_tanh', alpha: 1, beta: 1 },
};

function activationList(node: NodeView, cell: CellKind, directions: number): Activation[] | undefined {
  const names = node.strings('activations');
  if (names === undefined) return undefined;
  const slots = CELL_SHAPES[cell].activations.length;
  if (names.length !== slots * directions) {
    throw new CompileError(`activations must list ${slots * directions} functions (${slots} per direction), got ${names.length}`);
  }
  const alphas = [...(node.floats('activation_alpha') ?? [])];
  const betas = [...(node.floats('activation_beta') ?? [])];
  return names.map((name) => {
    const known = ACTIVATIONS[name.toLowerCase()];
    if (known === undefined) throw new CompileError(`activation '${name}' is not supported (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
    const attrs: Record<string, number> = {};
    if (known.alpha !== undefined) attrs.alpha = alphas.length > 0 ? (alphas.shift() ?? known.alpha) : known.alpha;
    if (known.beta !== undefined) attrs.beta = betas.length > 0 ? (betas.shift() ?? known.beta) : known.beta;
    return { op: known.op, attrs };
  });
}

function sequenceLens(node: NodeView, cx: ImportContext, steps: number): number[] | undefined {
  const name = optionalOperand(node, 4);
  if (name === undefined) return undefined;
  const known = cx.known(name);
  if (known === undefined) {
    throw new CompileError('sequence_lens must be a constant (an initializer or Constant): fusegraph compiles the time loop with known lengths; pass full-length sequences or pin it');
  }
  const lens = known.kind === 'int' ? [...known.values] : Array.from(known.data);
  return lens.every((n) => n === steps) ? undefined : lens;
}

function convertRecurrent(cell: CellKind): Converter {
  return (node, cx) => {
    const b = cx.builder;
    const { gates, states, activations: slots } = CELL_SHAPES[cell];
    const hidden = node.int('hidden_size', 0);
    if (hidden < 1) throw new CompileError('hidden_size must be given and positive');
    if (node.int('input_forget', 0) !== 0) throw new CompileError('input_forget = 1 (coupled input and forget gates) is not supported');
    const direction = node.string('direction', 'forward');
    if (!['forward', 'reverse', 'bidirectional'].includes(direction)) throw new CompileError(`direction must be forward, reverse or bidirectional, got '${direction}'`);
    const directions = direction === 'bidirectional' ? 2 : 1;
    const layout = node.int('layout', 0);
    const x = cx.value(operand(node, 0));
    const steps = x.type.shape[layout === 0 ? 0 : 1];
    const batch = x.type.shape[layout === 0 ? 1 : 0];
    if (steps === undefined || isSymbolic(steps) || batch === undefined) throw new CompileError(`X must be [T,B,I] (layout 0) or [B,T,I] (layout 1) with a static T, got [${x.type.shape.join(',')}]`);
    const biasName = optionalOperand(node, 3);
    const bias = biasName !== undefined ? cx.value(biasName) : b.constant(new Float32Array(directions * 2 * gates * hidden), [directions, 2 * gates * hidden], cx.fresh(`${node.name}/B`));
    const inputs: Value[] = [x, cx.value(operand(node, 1)), cx.value(operand(node, 2)), bias];
    const attrs: Record<string, Attrs[string]> = { hidden_size: hidden, direction, layout };
    if (node.has('clip')) attrs.clip = node.float('clip', Infinity);
    const lens = sequenceLens(node, cx, steps);
    if (lens !== undefined) attrs.sequence_lens = lens;
    const optional: [number, string][] = cell === 'lstm' ? [[5, 'initial_h'], [6, 'initial_c'], [7, 'peepholes']] : [[5, 'initial_h']];
    for (const [index, flag] of optional) {
      const name = optionalOperand(node, index);
      if (name === undefined) continue;
      inputs.push(cx.value(name));
      attrs[flag] = 1;
    }
    if (cell === 'gru') attrs.linear_before_reset = node.int('linear_before_reset', 0);
    const acts = activationList(node, cell, directions);
    if (acts !== undefined) {
      slots.forEach(([slot], k) => {
        const forward = acts[k];
        const backward = acts[slots.length + k];
        if (forward !== undefined) attrs[slot] = forward;
        if (backward !== undefined) attrs[`${slot}_back`] = backward;
      });
    }
    const packed = b.op(cell, inputs, attrs, cx.fresh(`${node.name}/packed`));
    const timeAxis = layout === 0 ? 0 : 1;
    const [yName, hName, cName] = [node.outputs[0], node.outputs[1], node.outputs[2]];
    if (yName !== undefined && yName !== '') {
      cx.defineValue(yName, b.slice(packed, { starts: [0], ends: [steps], axes: [timeAxis] }, yName));
    }
    const stateShape = layout === 0 ? [directions, batch as number, hidden] : [isSymbolic(batch) ? -1 : batch, directions, hidden];
    [hName, cName].forEach((name, k) => {
      if (name === undefined || name === '' || k >= states) return;
      const row = b.slice(packed, { starts: [steps + k], ends: [steps + k + 1], axes: [timeAxis] }, cx.fresh(`${name}/row`));
      cx.defineValue(name, b.reshape(row, stateShape, name));
    });
  };
}

export const RECURRENT_CONVERTERS: Readonly<Record<string, Converter>> = {
  LSTM: convertRecurrent('lstm'),
  GRU: convertRecurrent('gru'),
  RNN: convertRecurrent('rnn'),
};
