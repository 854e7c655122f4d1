// ONNX LSTM as the op `lstm`: gates i, o, f, c (ONNX order), optional peepholes. Its gate
// math is written here once as scalar bodies; the time loop and shapes are recurrent.ts's.

import type { Attrs, OpDef } from './types.ts';
import { E } from '../scalar.ts';
import { activationOf, cellOperands, clipped, recurrentAttrs, recurrentGeometry, recurrentOutputType, type CellBodies, type RecurrentGeometry } from './recurrent.ts';
import { evaluateRecurrent } from './recurrent-eval.ts';

/**
 * i = f(x_i + h_i + p_i·c_prev), f' = f(x_f + h_f + p_f·c_prev), c̃ = g(x_c + h_c),
 * c = f'·c_prev + i·c̃, o = f(x_o + h_o + p_o·c), h = o·h(c); clip bounds every activation's
 * input but h's (ONNX and onnxruntime clip the gates only).
 */
export function lstmBodies(g: RecurrentGeometry, attrs: Attrs, d: number): CellBodies {
  const o = cellOperands(4);
  const peep = g.operand.p >= 0;
  const gate = (k: number, slot: string, peephole?: { p: number; c: typeof o.cPrev }) => {
    const sum = E.add(o.x(k), o.h(k));
    const pre = peephole !== undefined && peep ? E.add(sum, E.mul(o.p(peephole.p), peephole.c)) : sum;
    return activationOf('lstm', attrs, slot, d, clipped(g, pre));
  };
  const i = gate(0, 'f', { p: 0, c: o.cPrev });
  const f = gate(2, 'f', { p: 2, c: o.cPrev });
  const cTilde = gate(3, 'g');
  const c = E.add(E.mul(f, o.cPrev), E.mul(i, cTilde));
  const out = gate(1, 'f', { p: 1, c: o.cNew });
  const h = E.mul(out, activationOf('lstm', attrs, 'h', d, o.cNew));
  return { c, h };
}

export const lstmOps = {
  lstm: {
    name: 'lstm', kind: 'recurrent', pure: true, arity: { min: 3, max: 7 },
    attrs: recurrentAttrs('lstm'),
    doc: 'ONNX LSTM; returns Y, Y_h, Y_c packed along time ([T+2,D,B,H], layout 1: [B,T+2,D,H])',
    inferType: (inputs, attrs) => recurrentOutputType(recurrentGeometry('lstm', inputs, attrs)),
    evaluate: (inputs, attrs) => evaluateRecurrent('lstm', inputs, attrs, lstmBodies),
  },
} satisfies Record<string, OpDef>;
