// Random `lstm`, `gru` and `rnn` nodes for the property tests: any rank-3 value whose time
// and feature axes are static, either layout, every direction, random activations from the
// op table, clip, initial states (as constants), peepholes, sequence_lens and
// linear_before_reset, with weights scaled like PyTorch's init (±1/√H).

import type { Value } from '../../ir/graph.ts';
import { OPS, type Attrs, type OpName } from '../../ir/ops/index.ts';
import { CELL_SHAPES, type CellKind } from '../../ir/ops/recurrent.ts';
import { isSymbolic } from '../../ir/types.ts';
import type { Operand } from './assembler.ts';
import { randomAttrs, type Generator } from './step.ts';

const ONNX_RECURRENT_ACTIVATIONS: readonly OpName[] = [
  'sigmoid', 'tanh', 'relu', 'leaky_relu', 'hard_sigmoid', 'elu', 'softsign', 'softplus', 'affine', 'scaled_tanh', 'thresholded_relu',
];

function recurrent(cell: CellKind): Generator {
  return (step, g) => {
    const fits = (v: Value): boolean => {
      const s = v.type.shape;
      // A symbolic batch (layout 1) is covered by the ONNX tests: onnxruntime runs layout 1
      // only as a layout-0 node between Transposes, which cannot carry a symbolic batch.
      return s.length === 3 && s.every((dim) => !isSymbolic(dim));
    };
    const x = g.choose(step.a, fits);
    if (x === undefined) return undefined;
    const [a0, a1, features] = x.type.shape as [number | string, number, number];
    const layout: 0 | 1 = (step.b & 1) === 1 ? 1 : 0;
    const [steps, batch] = layout === 0 ? [a0 as number, a1] : [a1, a0];
    if (steps > 8) return undefined; // keep the loops short
    const { gates, activations } = CELL_SHAPES[cell];
    const direction = (['forward', 'reverse', 'bidirectional'] as const)[step.c % 3] ?? 'forward';
    const D = direction === 'bidirectional' ? 2 : 1;
    const H = 1 + (step.width % 4);
    const bound = 1 / Math.sqrt(H);
    const weight = (shape: number[]): Operand => ({ constShape: shape, data: { kind: 'uniform', bound } });
    const operands: Operand[] = [x, weight([D, gates * H, features]), weight([D, gates * H, H]), weight([D, 2 * gates * H])];
    const attrs: Record<string, Attrs[string]> = { hidden_size: H, direction, layout };
    const state = layout === 0 ? [D, batch as number, H] : [batch, D, H];
    const bits = step.c >> 2;
    if ((bits & 1) === 1 && !isSymbolic(batch)) { operands.push(weight(state as number[])); attrs.initial_h = 1; }
    if (cell === 'lstm' && (bits & 2) === 2 && !isSymbolic(batch)) { operands.push(weight(state as number[])); attrs.initial_c = 1; }
    if (cell === 'lstm' && (bits & 4) === 4) { operands.push(weight([D, 3 * H])); attrs.peepholes = 1; }
    if ((bits & 8) === 8) attrs.clip = 0.5 + Math.abs(step.real);
    if ((bits & 16) === 16 && !isSymbolic(batch)) attrs.sequence_lens = Array.from({ length: batch }, (_, b) => 1 + ((step.seed >> b) % steps + steps) % steps);
    if (cell === 'gru') attrs.linear_before_reset = (bits >> 5) & 1;
    if ((bits & 64) === 64) {
      // The activations ONNX's recurrent ops can name, so that written models stay valid.
      const op = ONNX_RECURRENT_ACTIVATIONS[(step.seed >>> 4) % ONNX_RECURRENT_ACTIVATIONS.length] ?? 'tanh';
      const activation = { op, attrs: randomAttrs(OPS[op].attrs, step, 1, op) };
      const slot = activations[step.seed % activations.length]?.[0];
      if (slot !== undefined) attrs[(bits & 128) === 128 && D === 2 ? `${slot}_back` : slot] = activation;
    }
    return g.tryNode(cell, operands, attrs, step.seed);
  };
}

export const RECURRENT_GENERATORS: Partial<Record<OpName, Generator>> = { lstm: recurrent('lstm'), gru: recurrent('gru'), rnn: recurrent('rnn') };
