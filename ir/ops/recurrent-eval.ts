// The reference time loop of `lstm`, `gru` and `rnn` (see recurrent.ts for the packing and
// the arithmetic): per direction and batch row, walk the row's valid steps forwards or
// backwards, compute each gate's input and hidden parts, then the cell's scalar bodies.

import { CompileError } from '../errors.ts';
import { evaluateExpr } from '../scalar.ts';
import { sizeOf } from '../types.ts';
import { isReverse, recurrentGeometry, recurrentOutputType, type CellBodies, type CellKind, type RecurrentGeometry } from './recurrent.ts';
import type { Attrs, Tensor } from './types.ts';

type BodiesOf = (g: RecurrentGeometry, attrs: Attrs, d: number) => CellBodies;

/** Flat offsets of X, the packed output and the state operands for both layouts. */
export function recurrentIndexing(g: RecurrentGeometry, batch: number) {
  const rows = g.steps + g.states;
  const width = g.inputSize;
  return {
    x: (t: number, b: number) => (g.layout === 0 ? t * batch + b : b * g.steps + t) * width,
    out: (row: number, d: number, b: number) =>
      (g.layout === 0 ? (row * g.directions + d) * batch + b : (b * rows + row) * g.directions + d) * g.hidden,
    state: (d: number, b: number) => (g.layout === 0 ? d * batch + b : b * g.directions + d) * g.hidden,
  };
}

/** f64 dot product of a[aAt..] and b[bAt..] over n terms, rounded to f32 once. */
function dot(a: Float32Array, aAt: number, b: Float32Array, bAt: number, n: number): number {
  let acc = 0;
  for (let k = 0; k < n; k++) acc += (a[aAt + k] ?? 0) * (b[bAt + k] ?? 0);
  return Math.fround(acc);
}

export function evaluateRecurrent(cell: CellKind, inputs: readonly Tensor[], attrs: Attrs, bodiesOf: BodiesOf): Float32Array {
  const g = recurrentGeometry(cell, inputs.map((t) => ({ dtype: 'f32', shape: t.shape })), attrs);
  const tensor = (at: number): Tensor | undefined => (at < 0 ? undefined : inputs[at]);
  const x = tensor(0);
  const r = tensor(g.operand.r);
  const bias = tensor(g.operand.b);
  if (x === undefined || r === undefined || bias === undefined) throw new CompileError('internal: recurrent op without X, R or B');
  const w = tensor(g.operand.w);
  const [initialH, initialC, peep] = [tensor(g.operand.initialH), tensor(g.operand.initialC), tensor(g.operand.p)];
  const batch = g.layout === 0 ? (x.shape[1] ?? 0) : (x.shape[0] ?? 0);
  const outShape = recurrentOutputType(g).shape.map((dim) => (typeof dim === 'number' ? dim : batch));
  const out = new Float32Array(sizeOf(outShape));
  const at = recurrentIndexing(g, batch);
  const { gates: G, hidden: H } = g;
  const GH = G * H;
  const operands = new Array<number>(2 * G + 7).fill(0);
  const xPart = new Float32Array(GH);
  const hPart = new Float32Array(GH);
  const resetGate = new Float32Array(H);
  const resetH = new Float32Array(H);
  const cNew = new Float32Array(H);
  for (let d = 0; d < g.directions; d++) {
    const bodies = bodiesOf(g, attrs, d);
    const rBase = d * GH * H;
    const rbBase = g.projected ? d * GH : d * 2 * GH + GH;
    for (let b = 0; b < batch; b++) {
      const h = initialH === undefined ? new Float32Array(H) : initialH.data.slice(at.state(d, b), at.state(d, b) + H);
      const c = initialC === undefined ? new Float32Array(H) : initialC.data.slice(at.state(d, b), at.state(d, b) + H);
      const len = g.sequenceLens?.[b] ?? g.steps;
      for (let s = 0; s < len; s++) {
        const t = isReverse(g, d) ? len - 1 - s : s;
        for (let row = 0; row < GH; row++) {
          xPart[row] = g.projected
            ? (x.data[at.x(t, b) + d * GH + row] ?? NaN)
            : Math.fround(dot(x.data, at.x(t, b), w?.data ?? new Float32Array(), (d * GH + row) * g.inputSize, g.inputSize) + (bias.data[d * 2 * GH + row] ?? 0));
          hPart[row] = Math.fround(dot(h, 0, r.data, rBase + row * H, H) + (bias.data[rbBase + row] ?? 0));
        }
        if (bodies.reset !== undefined) {
          // GRU: the reset gate first; without linear_before_reset the candidate's hidden part is (r⊙h)·R_hᵀ + Rb_h.
          for (let j = 0; j < H; j++) {
            setOperands(operands, G, xPart, hPart, j, h, c, peep?.data, d, H);
            resetGate[j] = evaluateExpr(bodies.reset, operands);
            resetH[j] = Math.fround((resetGate[j] ?? 0) * (h[j] ?? 0));
          }
          if (!g.linearBeforeReset) {
            for (let j = 0; j < H; j++) {
              const row = 2 * H + j;
              hPart[row] = Math.fround(dot(resetH, 0, r.data, rBase + row * H, H) + (bias.data[rbBase + row] ?? 0));
            }
          }
        }
        for (let j = 0; j < H; j++) {
          setOperands(operands, G, xPart, hPart, j, h, c, peep?.data, d, H);
          operands[2 * G + 6] = resetGate[j] ?? 0;
          if (bodies.c !== undefined) operands[2 * G + 5] = evaluateExpr(bodies.c, operands);
          const hNew = evaluateExpr(bodies.h, operands);
          out[at.out(t, d, b) + j] = hNew;
          cNew[j] = operands[2 * G + 5] ?? 0; // kept apart until every unit has read c_prev
        }
        for (let j = 0; j < H; j++) {
          h[j] = out[at.out(t, d, b) + j] ?? NaN;
          if (bodies.c !== undefined) c[j] = cNew[j] ?? NaN;
        }
      }
      out.set(h, at.out(g.steps, d, b));
      if (g.states > 1) out.set(c, at.out(g.steps + 1, d, b));
    }
  }
  return out;
}

function setOperands(
  operands: number[], G: number, xPart: Float32Array, hPart: Float32Array, j: number,
  h: Float32Array, c: Float32Array, peep: Float32Array | undefined, d: number, H: number,
): void {
  for (let k = 0; k < G; k++) {
    operands[k] = xPart[k * H + j] ?? NaN;
    operands[G + k] = hPart[k * H + j] ?? NaN;
  }
  operands[2 * G] = h[j] ?? NaN;
  operands[2 * G + 1] = c[j] ?? NaN;
  for (let k = 0; k < 3; k++) operands[2 * G + 2 + k] = peep?.[d * 3 * H + k * H + j] ?? 0;
}
