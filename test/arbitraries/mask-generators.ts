// Generators for the ops over bool tensors (not, and, or, where) and expand. A bool operand
// is a mask already in the graph or a fresh comparison of an f32 value with a constant, so
// masks meet their consumers often enough to matter.

import type { Value } from '../../ir/graph.ts';
import type { OpName } from '../../ir/ops/index.ts';
import { isSymbolic } from '../../ir/types.ts';
import type { GraphAssembler } from './assembler.ts';
import type { Generator, Step } from './step.ts';

/** A bool value: one of the graph's masks, or less(x, c) of an f32 value. */
function mask(step: Step, g: GraphAssembler, pick: number): Value | undefined {
  const known = (step.b & 1) === 1 ? g.choose(pick, (v) => v.type.dtype === 'bool') : undefined;
  if (known !== undefined) return known;
  const x = g.choose(pick, (v) => v.type.dtype === 'f32');
  if (x === undefined) return undefined;
  return g.tryNode('less', [x, { constShape: [], data: { kind: 'uniform', bound: 0.5 } }], {}, step.seed ^ 0x51);
}

function logic(op: OpName, arity: number): Generator {
  return (step, g) => {
    const a = mask(step, g, step.a);
    if (a === undefined) return undefined;
    if (arity === 1) return g.tryNode(op, [a], {}, step.seed);
    const b = mask(step, g, step.c);
    return b === undefined ? undefined : g.tryNode(op, [a, b], {}, step.seed);
  };
}

const where: Generator = (step, g) => {
  const cond = mask(step, g, step.a);
  const x = g.choose(step.c, (v) => v.type.dtype === 'f32');
  if (cond === undefined || x === undefined) return undefined;
  return g.tryNode('where', [cond, x, { constShape: [], data: { kind: 'uniform', bound: 2 } }], {}, step.seed);
};

/** expand: 1-dims grow to 2 or 3, a static value may gain a leading axis; the batch stays. */
const expand: Generator = (step, g) => {
  const x = g.choose(step.a);
  if (x === undefined) return undefined;
  const target = x.type.shape.map((d, i) => (isSymbolic(d) ? 1 : d === 1 && ((step.b >> i) & 1) === 1 ? 2 + (step.c % 2) : d));
  const lead = !x.type.shape.some(isSymbolic) && (step.c & 4) === 4 ? [2] : [];
  return g.tryNode('expand', [x], { shape: [...lead, ...target] }, step.seed);
};

export const MASK_GENERATORS: Partial<Record<OpName, Generator>> = {
  not: logic('not', 1), and: logic('and', 2), or: logic('or', 2), where, expand,
};
