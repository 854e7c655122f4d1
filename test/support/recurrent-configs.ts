// Random small ONNX LSTM/GRU/RNN configurations for the tests: a model with one recurrent
// node (every attribute fusegraph supports may appear), shared by the onnxruntime comparison
// and the backend differential tests.

import type { Dim } from '../../ir/types.ts';
import { AttributeType, DataType } from '../../src/frontends/onnx/proto.ts';
import type { Random } from '../../src/random.ts';
import { floatAttribute, intAttribute, stringAttribute, weights, type OnnxSpec } from '../frontends/onnx-model.ts';

export type Cell = 'LSTM' | 'GRU' | 'RNN';
const GATES: Record<Cell, number> = { LSTM: 4, GRU: 3, RNN: 1 };
const SLOTS: Record<Cell, number> = { LSTM: 3, GRU: 2, RNN: 1 };
const ACTIVATIONS = ['Sigmoid', 'Tanh', 'Relu', 'LeakyRelu', 'HardSigmoid', 'Elu', 'Softsign', 'Softplus', 'Affine', 'ScaledTanh', 'ThresholdedRelu'];

export interface RecurrentConfig {
  cell: Cell; direction: 'forward' | 'reverse' | 'bidirectional'; layout: 0 | 1;
  steps: number; batch: number; input: number; hidden: number;
  bias: boolean; initialH: boolean; initialC: boolean; peepholes: boolean;
  sequenceLens?: number[]; clip?: number; activations?: string[]; alphas?: number[]; betas?: number[];
  linearBeforeReset?: number; symbolicBatch?: boolean;
}

function stringsAttribute(name: string, values: readonly string[]) {
  return { name, type: AttributeType.STRINGS, strings: values.map((v) => new TextEncoder().encode(v)) };
}

function floatsAttribute(name: string, values: readonly number[]) {
  return { name, type: AttributeType.FLOATS, floats: [...values] };
}

/**
 * An ONNX model with one recurrent node: X (and initial states) as inputs, weights as
 * initializers. onnxruntime's CPU kernels refuse layout 1, so `viaLayout0` writes the same
 * function as a layout-0 node between Transposes (the model onnxruntime runs).
 */
export function recurrentSpec(c: RecurrentConfig, seed: number, viaLayout0 = false): OnnxSpec {
  const D = c.direction === 'bidirectional' ? 2 : 1;
  const G = GATES[c.cell];
  const H = c.hidden;
  const B: Dim = c.symbolicBatch === true ? 'N' : c.batch;
  const x: Dim[] = c.layout === 0 ? [c.steps, B, c.input] : [B, c.steps, c.input];
  const state: Dim[] = c.layout === 0 ? [D, B, H] : [B, D, H];
  const inputs: [string, Dim[]][] = [['x', x]];
  const initializers = [weights('w', [D, G * H, c.input], seed), weights('r', [D, G * H, H], seed + 1)];
  const operands = ['x', 'w', 'r', '', '', '', '', ''];
  if (c.bias) { initializers.push(weights('b', [D, 2 * G * H], seed + 2)); operands[3] = 'b'; }
  if (c.sequenceLens !== undefined) {
    initializers.push({ name: 'lens', dims: [c.batch], data_type: DataType.INT32, int32_data: c.sequenceLens });
    operands[4] = 'lens';
  }
  if (c.initialH) { inputs.push(['h0', state]); operands[5] = 'h0'; }
  if (c.initialC) { inputs.push(['c0', state]); operands[6] = 'c0'; }
  if (c.peepholes) { initializers.push(weights('p', [D, 3 * H], seed + 3)); operands[7] = 'p'; }
  while (operands.at(-1) === '') operands.pop();
  const attribute = [intAttribute('hidden_size', H), stringAttribute('direction', c.direction)];
  const transposed = viaLayout0 && c.layout === 1;
  if (c.layout === 1 && !transposed) attribute.push(intAttribute('layout', 1));
  if (c.clip !== undefined) attribute.push(floatAttribute('clip', c.clip));
  if (c.linearBeforeReset !== undefined) attribute.push(intAttribute('linear_before_reset', c.linearBeforeReset));
  if (c.activations !== undefined) attribute.push(stringsAttribute('activations', c.activations) as never);
  if (c.alphas !== undefined) attribute.push(floatsAttribute('activation_alpha', c.alphas) as never);
  if (c.betas !== undefined) attribute.push(floatsAttribute('activation_beta', c.betas) as never);
  const y: Dim[] = c.layout === 0 ? [c.steps, D, B, H] : [B, c.steps, D, H];
  const outputs: [string, Dim[]][] = [['y', y], ['y_h', state]];
  const names = ['y', 'y_h'];
  if (c.cell === 'LSTM') { outputs.push(['y_c', state]); names.push('y_c'); }
  const recurrent = { op_type: c.cell, input: operands, output: names, name: `/${c.cell}`, attribute };
  if (!transposed) return { opset: 14, inputs, outputs, initializers, nodes: [recurrent] };
  const perm = (p: number[]) => [{ name: 'perm', type: AttributeType.INTS, ints: p }];
  const swap = (from: string, to: string, p: number[]) => ({ op_type: 'Transpose', input: [from], output: [to], name: `/T_${to}`, attribute: perm(p) });
  const nodes: OnnxSpec['nodes'][number][] = operands.filter((o) => ['x', 'h0', 'c0'].includes(o)).map((o) => swap(o, `${o}_t`, [1, 0, 2]));
  nodes.push({ ...recurrent, input: operands.map((o) => (['x', 'h0', 'c0'].includes(o) ? `${o}_t` : o)), output: names.map((n) => `${n}_t`) });
  nodes.push(swap('y_t', 'y', [2, 0, 1, 3]), ...names.slice(1).map((n) => swap(`${n}_t`, n, [1, 0, 2])));
  return { opset: 14, inputs, outputs, initializers, nodes };
}

/** A random configuration; every optional feature appears with probability about 1/2. */
export function randomConfig(random: Random, cell: Cell): RecurrentConfig {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)] as T;
  const coin = (): boolean => random.next() < 0.5;
  const direction = pick(['forward', 'reverse', 'bidirectional'] as const);
  const D = direction === 'bidirectional' ? 2 : 1;
  const steps = 1 + Math.floor(random.next() * 4);
  const batch = 1 + Math.floor(random.next() * 3);
  const config: RecurrentConfig = {
    cell, direction, layout: coin() ? 1 : 0, steps, batch, input: 1 + Math.floor(random.next() * 4), hidden: 1 + Math.floor(random.next() * 4),
    bias: coin(), initialH: coin(), initialC: cell === 'LSTM' && coin(), peepholes: cell === 'LSTM' && coin(),
  };
  if (coin()) config.sequenceLens = Array.from({ length: batch }, () => 1 + Math.floor(random.next() * steps));
  if (coin()) config.clip = 0.5 + random.next() * 2;
  if (cell === 'GRU') config.linearBeforeReset = coin() ? 1 : 0;
  if (coin()) {
    config.activations = Array.from({ length: SLOTS[cell] * D }, () => pick(ACTIVATIONS));
    config.alphas = Array.from({ length: 6 }, () => 0.1 + random.next());
    config.betas = Array.from({ length: 6 }, () => 0.1 + random.next());
  }
  return config;
}
