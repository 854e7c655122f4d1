// What the recurrent ops `lstm`, `gru` and `rnn` share (ONNX LSTM/GRU/RNN): the attribute
// schema, operand positions, the shape rule and the time loop of the reference semantics.
// Each cell's gate math lives in its own file as scalar bodies (lstm.ts, gru.ts, rnn.ts), so
// the interpreter evaluates and the backends render one definition.
//
// One node has one output, so a recurrent node returns its three ONNX results packed along
// the time axis: layout 0 gives [T + S, D, B, H], layout 1 gives [B, T + S, D, H], where
// rows 0..T-1 are Y, row T is Y_h and (LSTM, S = 2) row T + 1 is Y_c. The importer and the
// builder cut Y, Y_h and Y_c out with `slice` (+ `reshape`); Y is zero for t ≥ sequence_lens[b].
//
// Operands: X, W, R, B, then initial_h, initial_c (LSTM) and P (LSTM peepholes) when the
// attributes `initial_h`, `initial_c`, `peepholes` are 1. After the projection split
// (passes), `projected = 1`: operand 0 is X·Wᵀ + Wb for every step ([T, B, D·G·H] or
// [B, T, D·G·H]), W is gone and B holds only Rb ([D, G·H]).
//
// Reference arithmetic: each gate's input part is the f64 dot product x·W rounded to f32,
// plus Wb in f32 (exactly `linear`); its hidden part is h·R rounded likewise, plus Rb; the
// cell body then runs in f32 (ir/scalar.ts).

import { CompileError } from '../errors.ts';
import { E, type ScalarExpr, substituteOperands } from '../scalar.ts';
import { formatType, isSymbolic, type Dim, type TensorType } from '../types.ts';
import { activationAttr, floatAttr, intsAttr, stringAttr } from './attrs.ts';
import { activationDef } from './linear.ts';
import type { AttrSpec, Attrs } from './types.ts';

export type CellKind = 'lstm' | 'gru' | 'rnn';
export type Direction = 'forward' | 'reverse' | 'bidirectional';

/** Per cell kind: gate count, state rows after Y, and its activation slots with defaults. */
export interface CellShape {
  readonly gates: number;
  readonly states: number;
  /** Activation attribute names (ONNX's f, g, h) and their defaults. */
  readonly activations: readonly (readonly [string, string])[];
}

export const CELL_SHAPES: Readonly<Record<CellKind, CellShape>> = {
  lstm: { gates: 4, states: 2, activations: [['f', 'sigmoid'], ['g', 'tanh'], ['h', 'tanh']] },
  gru: { gates: 3, states: 1, activations: [['f', 'sigmoid'], ['g', 'tanh']] },
  rnn: { gates: 1, states: 1, activations: [['f', 'tanh']] },
};

const nonNegative = (value: number): string | undefined => (value > 0 ? undefined : 'must be positive (absent means no clipping)');

/** The attribute schema of a cell kind. */
export function recurrentAttrs(cell: CellKind): Readonly<Record<string, AttrSpec>> {
  const attrs: Record<string, AttrSpec> = {
    hidden_size: { type: 'int' },
    direction: { type: 'enum', values: ['forward', 'reverse', 'bidirectional'], default: 'forward' },
    layout: { type: 'int', default: 0 },
    clip: { type: 'float', default: Infinity, check: nonNegative },
    sequence_lens: { type: 'ints', default: [] },
    initial_h: { type: 'int', default: 0 },
    projected: { type: 'int', default: 0 },
  };
  if (cell === 'lstm') {
    attrs.initial_c = { type: 'int', default: 0 };
    attrs.peepholes = { type: 'int', default: 0 };
  }
  if (cell === 'gru') attrs.linear_before_reset = { type: 'int', default: 0 };
  for (const [slot] of CELL_SHAPES[cell].activations) {
    attrs[slot] = { type: 'activation' };
    attrs[`${slot}_back`] = { type: 'activation' };
  }
  return attrs;
}

/** Every size and flag of one recurrent node. */
export interface RecurrentGeometry {
  readonly cell: CellKind;
  readonly layout: 0 | 1;
  readonly steps: number;
  readonly batch: Dim;
  /** Input features of X (projected: D·G·H). */
  readonly inputSize: number;
  readonly hidden: number;
  readonly directions: 1 | 2;
  readonly direction: Direction;
  readonly gates: number;
  readonly states: number;
  readonly projected: boolean;
  readonly clip: number;
  /** Steps per batch row (all T when the attribute is empty). */
  readonly sequenceLens: readonly number[] | undefined;
  /** Operand positions; -1 when absent. */
  readonly operand: { readonly w: number; readonly r: number; readonly b: number; readonly initialH: number; readonly initialC: number; readonly p: number };
  readonly linearBeforeReset: boolean;
}

function flag(attrs: Attrs, name: string): boolean {
  return attrs[name] !== undefined && floatAttr(attrs, name) !== 0;
}

/** Operand positions from the flags (the shape rule checks the count). */
function operandPositions(attrs: Attrs, projected: boolean): RecurrentGeometry['operand'] & { count: number } {
  let next = projected ? 1 : 2;
  const w = projected ? -1 : 1;
  const r = next++;
  const b = next++;
  const initialH = flag(attrs, 'initial_h') ? next++ : -1;
  const initialC = flag(attrs, 'initial_c') ? next++ : -1;
  const p = flag(attrs, 'peepholes') ? next++ : -1;
  return { w, r, b, initialH, initialC, p, count: next };
}

function expectShape(what: string, type: TensorType | undefined, want: readonly Dim[]): void {
  const ok = type !== undefined && type.shape.length === want.length && type.shape.every((d, i) => d === want[i]);
  if (!ok) throw new CompileError(`${what} must be f32[${want.join(',')}], got ${type === undefined ? 'nothing' : formatType(type)}`);
}

/** Checks the operands against the attributes and returns the node's geometry. */
export function recurrentGeometry(cell: CellKind, inputs: readonly TensorType[], attrs: Attrs): RecurrentGeometry {
  const { gates, states } = CELL_SHAPES[cell];
  const hidden = floatAttr(attrs, 'hidden_size');
  if (!Number.isInteger(hidden) || hidden < 1) throw new CompileError(`hidden_size must be a positive integer, got ${hidden}`);
  const layoutValue = floatAttr(attrs, 'layout');
  if (layoutValue !== 0 && layoutValue !== 1) throw new CompileError(`layout must be 0 ([T,B,I]) or 1 ([B,T,I]), got ${layoutValue}`);
  const layout = layoutValue;
  const direction = stringAttr(attrs, 'direction') as Direction;
  const directions = direction === 'bidirectional' ? 2 : 1;
  const projected = flag(attrs, 'projected');
  const positions = operandPositions(attrs, projected);
  if (inputs.length !== positions.count) {
    throw new CompileError(`expects ${positions.count} operands for these attributes (X, ${projected ? '' : 'W, '}R, B${positions.initialH >= 0 ? ', initial_h' : ''}${positions.initialC >= 0 ? ', initial_c' : ''}${positions.p >= 0 ? ', P' : ''}), got ${inputs.length}`);
  }
  const x = inputs[0];
  if (x === undefined || x.shape.length !== 3) throw new CompileError(`X must be rank 3 (${layout === 0 ? '[T,B,I]' : '[B,T,I]'}), got ${x === undefined ? 'nothing' : formatType(x)}`);
  const [stepsDim, batch] = layout === 0 ? [x.shape[0], x.shape[1]] : [x.shape[1], x.shape[0]];
  if (stepsDim === undefined || isSymbolic(stepsDim)) {
    throw new CompileError(`the sequence length of X ${formatType(x)} must be static (layout ${layout} puts it on axis ${layout})`);
  }
  if (batch === undefined) throw new CompileError('X has no batch axis');
  const inputSize = x.shape[2] as number;
  const width = directions * gates * hidden;
  if (projected) {
    if (inputSize !== width) throw new CompileError(`projected X must have ${width} features (D·G·H), got ${formatType(x)}`);
    expectShape('Rb', inputs[positions.b], [directions, gates * hidden]);
  } else {
    expectShape('W', inputs[positions.w], [directions, gates * hidden, inputSize]);
    expectShape('B', inputs[positions.b], [directions, 2 * gates * hidden]);
  }
  expectShape('R', inputs[positions.r], [directions, gates * hidden, hidden]);
  const stateShape = layout === 0 ? [directions, batch, hidden] : [batch, directions, hidden];
  if (positions.initialH >= 0) expectShape('initial_h', inputs[positions.initialH], stateShape);
  if (positions.initialC >= 0) expectShape('initial_c', inputs[positions.initialC], stateShape);
  if (positions.p >= 0) expectShape('P', inputs[positions.p], [directions, 3 * hidden]);
  const lens = intsAttr(attrs, 'sequence_lens');
  let sequenceLens: readonly number[] | undefined;
  if (lens.length > 0) {
    if (isSymbolic(batch) || lens.length !== batch) throw new CompileError(`sequence_lens has ${lens.length} entries for a batch of ${batch}`);
    const bad = lens.find((n) => !Number.isInteger(n) || n < 1 || n > stepsDim);
    if (bad !== undefined) throw new CompileError(`sequence_lens entries must lie in [1, ${stepsDim}] (onnxruntime refuses 0 too), got ${bad}`);
    sequenceLens = lens;
  }
  for (const [slot] of CELL_SHAPES[cell].activations) {
    for (const name of [slot, `${slot}_back`]) {
      const act = activationAttr(attrs, name);
      if (act === undefined) continue;
      const def = activationDef(act.op);
      if (def === undefined || def.arity.min !== 1) throw new CompileError(`activation ${name} = '${act.op}' must be a one-operand activation op`);
    }
  }
  return {
    cell, layout, steps: stepsDim, batch, inputSize, hidden, directions, direction, gates, states, projected,
    clip: floatAttr(attrs, 'clip'), sequenceLens, operand: positions,
    linearBeforeReset: cell === 'gru' && flag(attrs, 'linear_before_reset'),
  };
}

/** The packed output type (see the header). */
export function recurrentOutputType(g: RecurrentGeometry): TensorType {
  const rows = g.steps + g.states;
  const shape = g.layout === 0 ? [rows, g.directions, g.batch, g.hidden] : [g.batch, rows, g.directions, g.hidden];
  return { dtype: 'f32', shape };
}

/** Whether direction `d` of the node walks time backwards. */
export function isReverse(g: RecurrentGeometry, d: number): boolean {
  return g.direction === 'reverse' || (g.direction === 'bidirectional' && d === 1);
}

/**
 * The body of activation slot `slot` (f, g, h) of direction `d` applied to `arg`: the op
 * table's body of the named activation (or the cell's default), so no activation is defined
 * twice.
 */
export function activationOf(cell: CellKind, attrs: Attrs, slot: string, d: number, arg: ScalarExpr): ScalarExpr {
  const fallback = CELL_SHAPES[cell].activations.find(([name]) => name === slot)?.[1];
  if (fallback === undefined) throw new CompileError(`internal: ${cell} has no activation slot ${slot}`);
  const chosen = (d === 1 ? activationAttr(attrs, `${slot}_back`) : undefined) ?? activationAttr(attrs, slot) ?? { op: fallback, attrs: {} };
  const def = activationDef(chosen.op);
  const spec = def?.elementwise;
  if (spec === undefined) throw new CompileError(`'${chosen.op}' is not an activation op`);
  return substituteOperands(spec.body(withDefaults(def?.attrs ?? {}, chosen.attrs)), () => arg);
}

function withDefaults(schema: Readonly<Record<string, AttrSpec>>, given: Attrs): Attrs {
  const out: Record<string, Attrs[string]> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const value = given[name] ?? ('default' in spec ? spec.default : undefined);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** ONNX's clip: bounds an activation's input to [-clip, clip] (no-op when clip is ∞). */
export function clipped(g: RecurrentGeometry, arg: ScalarExpr): ScalarExpr {
  return Number.isFinite(g.clip) ? E.min(E.max(arg, -g.clip), g.clip) : arg;
}

/**
 * Operand numbering shared by every cell body, so one evaluator and one kernel serve all
 * three cells: $k (k < G) is gate k's input part, $(G+k) its hidden part, then h_prev,
 * c_prev, the peepholes p_i, p_o, p_f, the new c (for LSTM's h body) and GRU's reset gate r.
 */
export function cellOperands(gates: number) {
  return {
    x: (k: number) => E.operand(k),
    h: (k: number) => E.operand(gates + k),
    hPrev: E.operand(2 * gates),
    cPrev: E.operand(2 * gates + 1),
    p: (k: number) => E.operand(2 * gates + 2 + k),
    cNew: E.operand(2 * gates + 5),
    reset: E.operand(2 * gates + 6),
    count: 2 * gates + 7,
  };
}

/**
 * A cell's gate math for one direction, over cellOperands: `c` (LSTM) is the new cell state,
 * `reset` (GRU) the reset gate, computed before the candidate's hidden part needs it, and
 * `h` the new hidden state.
 */
export interface CellBodies {
  readonly c?: ScalarExpr;
  readonly reset?: ScalarExpr;
  readonly h: ScalarExpr;
}
