// Generators for the transformer ops: layer_norm over one or two trailing static axes (with
// no, a constant scale, or a constant scale and bias) and self-attention attention(x, x, x)
// with an optional constant additive mask.

import type { Value } from '../../ir/graph.ts';
import type { OpName } from '../../ir/ops/index.ts';
import { isSymbolic } from '../../ir/types.ts';
import type { Operand } from './assembler.ts';
import type { Generator } from './step.ts';

const layerNorm: Generator = (step, g) => {
  const x = g.choose(step.a, (v) => { const last = v.type.shape[v.type.shape.length - 1]; return last !== undefined && !isSymbolic(last); });
  if (x === undefined) return undefined;
  const shape = x.type.shape;
  const trailing = (step.c & 1) === 1 && shape.length >= 2 && !isSymbolic(shape[shape.length - 2] ?? 'N') ? 2 : 1;
  const tail = shape.slice(-trailing) as number[];
  const params: Operand[] = [];
  const count = step.b % 3;
  if (count >= 1) params.push({ constShape: tail, data: { kind: 'uniform', bound: 1.5 } });
  if (count >= 2) params.push({ constShape: tail, data: { kind: 'uniform', bound: 1 } });
  // Now and then a fused residual: another value of x's shape (or x itself).
  const residual = (step.b & 4) === 4 ? g.choose(step.c, (v) => v.type.shape.length === shape.length && v.type.shape.every((d, i) => d === shape[i])) : undefined;
  const operands = residual === undefined ? [x, ...params] : [x, residual, ...params];
  return g.tryNode('layer_norm', operands, { axis: -trailing, epsilon: 1e-5, residual: residual === undefined ? 0 : 1 }, step.seed);
};

/** [..., S, D] with S and D static: a sequence of S keys of width D. */
function isSequence(v: Value): boolean {
  const rank = v.type.shape.length;
  return rank >= 2 && v.type.shape.slice(-2).every((d) => !isSymbolic(d));
}

const attention: Generator = (step, g) => {
  const x = g.choose(step.a, isSequence);
  if (x === undefined) return undefined;
  const [s, d] = x.type.shape.slice(-2) as [number, number];
  const mask: Operand[] = (step.b & 1) === 1 ? [{ constShape: [s, s], data: { kind: 'uniform', bound: 2 } }] : [];
  return g.tryNode('attention', [x, x, x, ...mask], { scale: 1 / Math.sqrt(d) }, step.seed);
};

export const SEQUENCE_GENERATORS: Partial<Record<OpName, Generator>> = { layer_norm: layerNorm, attention };
