// ONNX RNN as the op `rnn`: h = f(x·Wᵀ + h_prev·Rᵀ + Wb + Rb), written once as a scalar body.

import type { Attrs, OpDef } from './types.ts';
import { E } from '../scalar.ts';
import { activationOf, cellOperands, clipped, recurrentAttrs, recurrentGeometry, recurrentOutputType, type CellBodies, type RecurrentGeometry } from './recurrent.ts';
import { evaluateRecurrent } from './recurrent-eval.ts';

export function rnnBodies(g: RecurrentGeometry, attrs: Attrs, d: number): CellBodies {
  const o = cellOperands(1);
  return { h: activationOf('rnn', attrs, 'f', d, clipped(g, E.add(o.x(0), o.h(0)))) };
}

export const rnnOps = {
  rnn: {
    name: 'rnn', kind: 'recurrent', pure: true, arity: { min: 3, max: 5 },
    attrs: recurrentAttrs('rnn'),
    doc: 'ONNX RNN; returns Y and Y_h packed along time ([T+1,D,B,H], layout 1: [B,T+1,D,H])',
    inferType: (inputs, attrs) => recurrentOutputType(recurrentGeometry('rnn', inputs, attrs)),
    evaluate: (inputs, attrs) => evaluateRecurrent('rnn', inputs, attrs, rnnBodies),
  },
} satisfies Record<string, OpDef>;
