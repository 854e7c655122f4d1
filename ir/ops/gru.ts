// ONNX GRU as the op `gru`: gates z, r, h (ONNX order), with or without
// linear_before_reset. Its gate math is written here once as scalar bodies.

import type { Attrs, OpDef } from './types.ts';
import { E } from '../scalar.ts';
import { activationOf, cellOperands, clipped, recurrentAttrs, recurrentGeometry, recurrentOutputType, type CellBodies, type RecurrentGeometry } from './recurrent.ts';
import { evaluateRecurrent } from './recurrent-eval.ts';

/**
 * z = f(x_z + h_z), r = f(x_r + h_r), h̃ = g(x_h + h_h) where h_h = (r⊙h_prev)·R_hᵀ + Rb_h,
 * or with linear_before_reset h̃ = g(x_h + r·h_h) where h_h = h_prev·R_hᵀ + Rb_h (the time
 * loop computes h_h accordingly); h = (1 - z)·h̃ + z·h_prev.
 */
export function gruBodies(g: RecurrentGeometry, attrs: Attrs, d: number): CellBodies {
  const o = cellOperands(3);
  const z = activationOf('gru', attrs, 'f', d, clipped(g, E.add(o.x(0), o.h(0))));
  const reset = activationOf('gru', attrs, 'f', d, clipped(g, E.add(o.x(1), o.h(1))));
  const candidatePre = g.linearBeforeReset ? E.add(o.x(2), E.mul(o.reset, o.h(2))) : E.add(o.x(2), o.h(2));
  const candidate = activationOf('gru', attrs, 'g', d, clipped(g, candidatePre));
  const h = E.add(E.mul(E.sub(1, z), candidate), E.mul(z, o.hPrev));
  return { reset, h };
}

export const gruOps = {
  gru: {
    name: 'gru', kind: 'recurrent', pure: true, arity: { min: 3, max: 5 },
    attrs: recurrentAttrs('gru'),
    doc: 'ONNX GRU; returns Y and Y_h packed along time ([T+1,D,B,H], layout 1: [B,T+1,D,H])',
    inferType: (inputs, attrs) => recurrentOutputType(recurrentGeometry('gru', inputs, attrs)),
    evaluate: (inputs, attrs) => evaluateRecurrent('gru', inputs, attrs, gruBodies),
  },
} satisfies Record<string, OpDef>;
