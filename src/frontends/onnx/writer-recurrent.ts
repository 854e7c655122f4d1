// Writes `lstm`, `gru` and `rnn` nodes as ONNX LSTM/GRU/RNN whose Y, Y_h (and Y_c) are packed
// back into the node's single result with Unsqueeze + Concat (ir/ops/recurrent.ts). Two
// forms need care so that onnxruntime runs what is written:
//  - layout 1 is written as a layout-0 node between Transposes (onnxruntime's CPU kernels
//    refuse layout 1), unless the batch is symbolic: a Transpose cannot move a symbolic
//    batch off axis 0 in fusegraph, so that node is written with layout = 1 as it is;
//  - a projected node (the pass split its input projection off) gets W = one identity block
//    per direction and B = [0, Rb]: x'·Wᵀ + 0 is x' exactly, so the written model computes
//    the same values.

import { CompileError } from '../../../ir/errors.ts';
import type { Node } from '../../../ir/graph.ts';
import { activationAttr, intsAttr, OPS, recurrentGeometry, stringAttr, type Activation, type OpName } from '../../../ir/ops/index.ts';
import { CELL_SHAPES, type CellKind } from '../../../ir/ops/recurrent.ts';
import { isSymbolic, type TensorType } from '../../../ir/types.ts';
import { AttributeType, DataType } from './proto.ts';
import { floatAttribute, floatTensor, intAttribute, stringAttribute, type OnnxAttribute, type OnnxEmitter } from './writer-emitter.ts';

const ONNX_OP: Readonly<Record<CellKind, string>> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

/** IR activation → ONNX activation name and the parameters ONNX reads for it, in order. */
const ONNX_ACTIVATIONS: Readonly<Record<string, { name: string; alpha?: boolean; beta?: boolean }>> = {
  sigmoid: { name: 'Sigmoid' }, tanh: { name: 'Tanh' }, relu: { name: 'Relu' }, softsign: { name: 'Softsign' },
  softplus: { name: 'Softplus' }, leaky_relu: { name: 'LeakyRelu', alpha: true }, thresholded_relu: { name: 'ThresholdedRelu', alpha: true },
  elu: { name: 'Elu', alpha: true }, hard_sigmoid: { name: 'HardSigmoid', alpha: true, beta: true },
  affine: { name: 'Affine', alpha: true, beta: true }, scaled_tanh: { name: 'ScaledTanh', alpha: true, beta: true },
};

/** Ops of kind `recurrent` in the op table. */
export function isRecurrentOp(op: OpName): boolean {
  return OPS[op].kind === 'recurrent';
}

/** The activations, alphas and betas attributes, when any slot is not the default. */
function activationAttributes(node: Node, cell: CellKind, directions: number): OnnxAttribute[] {
  const slots = CELL_SHAPES[cell].activations;
  const chosen: Activation[] = [];
  let custom = false;
  for (let d = 0; d < directions; d++) {
    for (const [slot, fallback] of slots) {
      const given = (d === 1 ? activationAttr(node.attrs, `${slot}_back`) : undefined) ?? activationAttr(node.attrs, slot);
      if (given !== undefined) custom = true;
      chosen.push(given ?? { op: fallback, attrs: {} });
    }
  }
  if (!custom) return [];
  const names: string[] = [];
  const alphas: number[] = [];
  const betas: number[] = [];
  for (const act of chosen) {
    const onnx = ONNX_ACTIVATIONS[act.op];
    if (onnx === undefined) throw new CompileError(`ONNX ${ONNX_OP[cell]} has no activation for '${act.op}'`, { node: node.name, op: node.op });
    names.push(onnx.name);
    if (onnx.alpha === true) alphas.push(typeof act.attrs['alpha'] === 'number' ? act.attrs['alpha'] : NaN);
    if (onnx.beta === true) betas.push(typeof act.attrs['beta'] === 'number' ? act.attrs['beta'] : NaN);
  }
  const attrs: OnnxAttribute[] = [{ name: 'activations', type: AttributeType.STRINGS, strings: names.map((n) => new TextEncoder().encode(n)) }];
  if (alphas.length > 0) attrs.push({ name: 'activation_alpha', type: AttributeType.FLOATS, floats: alphas });
  if (betas.length > 0) attrs.push({ name: 'activation_beta', type: AttributeType.FLOATS, floats: betas });
  return attrs;
}

/** W = I per direction ([D, G·H, D·G·H]), so the written node's input part is x' itself. */
function identityWeights(directions: number, gh: number): Float32Array {
  const width = directions * gh;
  const data = new Float32Array(directions * gh * width);
  for (let d = 0; d < directions; d++) for (let row = 0; row < gh; row++) data[(d * gh + row) * width + d * gh + row] = 1;
  return data;
}

export function emitRecurrent(out: OnnxEmitter, node: Node, types: ReadonlyMap<string, TensorType>): void {
  const cell = node.op as CellKind;
  const inputTypes = node.inputs.map((name) => types.get(name) ?? node.type);
  const g = recurrentGeometry(cell, inputTypes, node.attrs);
  const gh = g.gates * g.hidden;
  const name = (at: number): string => (at < 0 ? '' : (node.inputs[at] ?? ''));
  const viaTranspose = g.layout === 1 && !isSymbolic(g.batch);
  const transposed = (value: string, hint: string): string =>
    !viaTranspose || value === '' ? value : out.node('Transpose', [value], out.fresh(`${node.name}/${hint}_t`), [{ name: 'perm', type: AttributeType.INTS, ints: [1, 0, 2] }]);
  let w = name(g.operand.w);
  let b = name(g.operand.b);
  if (g.projected) {
    w = out.fresh(`${node.name}/W_identity`);
    out.initializers.push(floatTensor(w, [g.directions, gh, g.directions * gh], identityWeights(g.directions, gh)));
    // B = [Wb = 0, Rb] per direction, written as Concat(zeros, Rb) along axis 1.
    const zeros = out.fresh(`${node.name}/Wb_zero`);
    out.initializers.push(floatTensor(zeros, [g.directions, gh], new Float32Array(g.directions * gh)));
    b = out.node('Concat', [zeros, b], out.fresh(`${node.name}/B`), [intAttribute('axis', 1)]);
  }
  let lens = '';
  const sequenceLens = intsAttr(node.attrs, 'sequence_lens');
  if (sequenceLens.length > 0) {
    lens = out.fresh(`${node.name}/sequence_lens`);
    out.initializers.push({ name: lens, dims: [sequenceLens.length], data_type: DataType.INT32, int32_data: [...sequenceLens] });
  }
  const operands = [transposed(name(0), 'x'), w, name(g.operand.r), b, lens, transposed(name(g.operand.initialH), 'h0')];
  if (cell === 'lstm') operands.push(transposed(name(g.operand.initialC), 'c0'), name(g.operand.p));
  while (operands.at(-1) === '') operands.pop();
  const attribute: OnnxAttribute[] = [intAttribute('hidden_size', g.hidden), stringAttribute('direction', stringAttr(node.attrs, 'direction'))];
  if (g.layout === 1 && !viaTranspose) attribute.push(intAttribute('layout', 1));
  if (Number.isFinite(g.clip)) attribute.push(floatAttribute('clip', g.clip));
  if (cell === 'gru') attribute.push(intAttribute('linear_before_reset', g.linearBeforeReset ? 1 : 0));
  attribute.push(...activationAttributes(node, cell, g.directions));
  const results = ['y', 'y_h', 'y_c'].slice(0, 1 + g.states).map((hint) => out.fresh(`${node.name}/${hint}`));
  out.nodes.push({ op_type: ONNX_OP[cell], input: operands, output: results, name: out.fresh(`${node.name}/${ONNX_OP[cell]}`), attribute });
  // Pack along time: [T, D, B, H] ++ [1, D, B, H] per state (native layout 1: along axis 1).
  const timeAxis = g.layout === 1 && !viaTranspose ? 1 : 0;
  const axes = out.shape([timeAxis], `${node.name}/time_axis`);
  const parts = [results[0] ?? '', ...results.slice(1).map((state) => out.node('Unsqueeze', [state, axes], out.fresh(`${state}/row`)))];
  const packed = viaTranspose ? out.fresh(`${node.name}/packed_t`) : node.name;
  out.node('Concat', parts, packed, [intAttribute('axis', timeAxis)]);
  if (viaTranspose) out.node('Transpose', [packed], node.name, [{ name: 'perm', type: AttributeType.INTS, ints: [2, 0, 1, 3] }]);
}
