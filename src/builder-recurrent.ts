// Builder helpers for the recurrent ops: one `lstm`/`gru`/`rnn` node and the slices that cut
// its packed result (ir/ops/recurrent.ts) into ONNX's Y, Y_h and Y_c. The ONNX importer's
// layout and the PyTorch-like modules (src/nn-recurrent.ts) both build through here.

import type { Activation, Attrs } from '../ir/ops/index.ts';
import { CELL_SHAPES, type CellKind } from '../ir/ops/recurrent.ts';
import { isSymbolic } from '../ir/types.ts';
import type { GraphBuilder, Value } from './builder.ts';

export interface RecurrentOptions {
  readonly hiddenSize: number;
  readonly direction?: 'forward' | 'reverse' | 'bidirectional';
  /** 0: X is [T, B, I] (ONNX's default); 1: [B, T, I] (batch_first). */
  readonly layout?: 0 | 1;
  readonly clip?: number;
  readonly sequenceLens?: readonly number[];
  readonly initialH?: Value;
  readonly initialC?: Value;
  readonly peepholes?: Value;
  readonly linearBeforeReset?: boolean;
  /** Activation per slot (f, g, h; `_back` for the reverse direction of a bidirectional layer). */
  readonly activations?: Readonly<Record<string, Activation>>;
}

export interface RecurrentResult {
  /** [T, D, B, H] (layout 1: [B, T, D, H]). */
  readonly y: Value;
  /** [D, B, H] (layout 1: [B, D, H]). */
  readonly yH: Value;
  /** LSTM only. */
  readonly yC?: Value;
}

/** Adds one recurrent node (x, W [D,G·H,I], R [D,G·H,H], B [D,2·G·H]) and its three results. */
export function addRecurrent(
  b: GraphBuilder, cell: CellKind, x: Value, w: Value, r: Value, bias: Value, options: RecurrentOptions, name?: string,
): RecurrentResult {
  const layout = options.layout ?? 0;
  const direction = options.direction ?? 'forward';
  const directions = direction === 'bidirectional' ? 2 : 1;
  const attrs: Record<string, Attrs[string]> = { hidden_size: options.hiddenSize, direction, layout };
  if (options.clip !== undefined) attrs.clip = options.clip;
  if (options.sequenceLens !== undefined) attrs.sequence_lens = [...options.sequenceLens];
  if (cell === 'gru') attrs.linear_before_reset = options.linearBeforeReset === true ? 1 : 0;
  for (const [slot, act] of Object.entries(options.activations ?? {})) attrs[slot] = act;
  const inputs = [x, w, r, bias];
  for (const [flag, value] of [['initial_h', options.initialH], ['initial_c', options.initialC], ['peepholes', options.peepholes]] as const) {
    if (value === undefined) continue;
    inputs.push(value);
    attrs[flag] = 1;
  }
  const base = name ?? b.freshName(cell);
  const packed = b.op(cell, inputs, attrs, b.freshName(`${base}_packed`));
  const timeAxis = layout === 0 ? 0 : 1;
  const steps = x.type.shape[timeAxis] as number;
  const batch = x.type.shape[layout === 0 ? 1 : 0] ?? 1;
  const hidden = options.hiddenSize;
  const stateShape = layout === 0 ? [directions, batch as number, hidden] : [isSymbolic(batch) ? -1 : batch, directions, hidden];
  const state = (k: number, suffix: string): Value => {
    const row = b.slice(packed, { starts: [steps + k], ends: [steps + k + 1], axes: [timeAxis] }, b.freshName(`${base}_${suffix}_row`));
    return b.reshape(row, stateShape, b.freshName(`${base}_${suffix}`));
  };
  const y = b.slice(packed, { starts: [0], ends: [steps], axes: [timeAxis] }, b.freshName(`${base}_y`));
  const yH = state(0, 'h');
  return CELL_SHAPES[cell].states > 1 ? { y, yH, yC: state(1, 'c') } : { y, yH };
}
